-- The events of a channel's history after an id, or the news that some are gone.
-- KEYS[1] the history (Stream)  KEYS[2] its notes (hash: `dropped`)
-- ARGV[1] the id to read after (`<ms>-<seq>`; "" for none: only the newest id is wanted)
-- ARGV[2] at most this many entries
-- Returns {newest id kept or "", 1 if a gap else 0, entries after ARGV[1] ({id, {field, value}})}.
-- A gap (the same rules as the in-memory bus): an entry after ARGV[1] was trimmed away, or
-- ARGV[1] is beyond the newest id this history ever gave (it was lost, or the id is foreign).
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function later(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am > bm or (am == bm and as > bs)
end
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local latest = newest[1] and newest[1][1] or ''
if ARGV[1] == '' then
  return {latest, 0, {}}
end
local dropped = redis.call('HGET', KEYS[2], 'dropped')
local known = dropped or '0-0'
if latest ~= '' then
  known = latest
end
if (dropped and later(dropped, ARGV[1])) or later(ARGV[1], known) then
  return {latest, 1, {}}
end
return {latest, 0, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])}

-- Acknowledge ledger feed entries (if any are given), drop what every consumer group has
-- acknowledged, and measure what is left for one group.
-- KEYS[1] the ledger feed (stream)  ARGV[1] consumer group  ARGV[2..] entry ids
-- A group's floor is its oldest pending entry, or (none pending) its last delivered entry:
-- everything below the lowest floor is acknowledged by all; entries at or above it stay.
-- Returns {pending, unread, oldest unacknowledged entry's ms (-1: none), now in ms} for ARGV[1].
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {0, 0, -1, now_ms}
end
if #ARGV > 1 then
  redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
end

local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end

local function lower(a, b)
  local ams, aseq = parse(a)
  local bms, bseq = parse(b)
  return ams < bms or (ams == bms and aseq < bseq)
end

local floor, ours = nil, nil
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = {}
  for i = 1, #group, 2 do
    info[group[i]] = group[i + 1]
  end
  info['oldest'] = nil
  if info['pending'] > 0 then
    info['oldest'] = redis.call('XPENDING', KEYS[1], info['name'])[2]
  end
  local candidate = info['oldest'] or info['last-delivered-id']
  if floor == nil or lower(candidate, floor) then
    floor = candidate
  end
  if info['name'] == ARGV[1] then
    ours = info
  end
end
if floor ~= nil and floor ~= '0-0' then
  redis.call('XTRIM', KEYS[1], 'MINID', floor)
end

local function ms_of(id)
  return id and tonumber(string.match(id, '^(%d+)')) or -1
end

if ours == nil then
  -- No such group (the stream was deleted and written again): everything in it is unread.
  local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
  return {0, redis.call('XLEN', KEYS[1]), ms_of(first and first[1]), now_ms}
end
local last = ours['last-delivered-id']
local unread = ours['lag']
if type(unread) ~= 'number' then
  unread = #redis.call('XRANGE', KEYS[1], '(' .. last, '+')
end
local oldest = ours['oldest']
if oldest == nil and unread > 0 then
  oldest = redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', 1)[1][1]
end
return {ours['pending'], unread, ms_of(oldest), now_ms}

-- The events of a channel's history after an id, or the news that the history cannot prove
-- where that id stands.
-- KEYS[1] the history (Stream)  KEYS[2] its notes (hash: `dropped`, the newest id trimmed away)
-- ARGV[1] the id to read after (`<ms>-<seq>`; "" for none: only the newest id is wanted)
-- ARGV[2] at most this many entries
-- ARGV[3] "1" when ARGV[1] comes from a client: then 0-0 is an id like any other
-- Returns {newest id kept or "", 1 if a gap else 0, entries after ARGV[1] ({id, {field, value}})}.
-- The rules (the same as the in-memory bus): the events after an id are all kept only if the
-- id is an entry the history still keeps, or the newest entry trimmed away. 0-0 ("from the
-- start") is proven only for the bus's own subscribers, and only while nothing was trimmed.
-- Anything else is a gap: an id older than what is kept, from before the history was lost (a
-- flush, a failover that lost it), from the future, or from elsewhere.
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local latest = newest[1] and newest[1][1] or ''
local after = ARGV[1]
if after == '' then
  return {latest, 0, {}}
end
local dropped = redis.call('HGET', KEYS[2], 'dropped')
local proven
if after == '0-0' then
  proven = ARGV[3] ~= '1' and not dropped
else
  proven = dropped == after or #redis.call('XRANGE', KEYS[1], after, after) == 1
end
if not proven then
  return {latest, 1, {}}
end
return {latest, 0, redis.call('XRANGE', KEYS[1], '(' .. after, '+', 'COUNT', ARGV[2])}

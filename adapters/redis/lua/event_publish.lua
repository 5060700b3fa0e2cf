-- Publish an event: append it to its channel's history (a Stream), keep the newest entries
-- only, and PUBLISH it with its id, in one atomic step (so Pub/Sub order is id order).
-- KEYS[1] the history (Stream)  KEYS[2] the history's notes (hash: `dropped`, the newest id
-- trimmed away)  KEYS[3] this publish's marker
-- ARGV[1] the Pub/Sub channel  ARGV[2] the encoded message  ARGV[3] entries kept
-- ARGV[4] how long the marker lives (ms)
-- Returns the event's id.
-- Retry-safe: redis-py re-sends a command whose reply it lost; the marker holds the id the
-- first run gave, and a second run returns it without publishing again.
local done = redis.call('GET', KEYS[3])
if done then
  return done
end
local id = redis.call('XADD', KEYS[1], '*', 'm', ARGV[2])
local excess = redis.call('XLEN', KEYS[1]) - tonumber(ARGV[3])
if excess > 0 then
  local dropped = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', excess)
  redis.call('HSET', KEYS[2], 'dropped', dropped[#dropped][1])
  redis.call('XTRIM', KEYS[1], 'MAXLEN', ARGV[3])
end
redis.call('SET', KEYS[3], id, 'PX', ARGV[4])
redis.call('PUBLISH', ARGV[1], id .. ' ' .. ARGV[2])
return id

-- Publish an event: append it to its channel's history (a Stream), keep the newest entries
-- only, and SPUBLISH it with its id, in one atomic step (so Pub/Sub order is id order).
-- KEYS[1] the history (Stream)  KEYS[2] the history's notes (hash: `dropped`, the newest id
-- trimmed away)  KEYS[3] this publish's marker
-- ARGV[1] the shard channel (in the history's slot)  ARGV[2] the encoded message
-- ARGV[3] entries kept  ARGV[4] how long the marker lives (ms)  ARGV[5] a random sequence number
-- Returns the event's id.
-- The first event of a history (a new channel, or one whose history was lost) gets the
-- current time with the random sequence number, not `<ms>-0`: an id a client kept from a lost
-- history must never name an event of the new one (both would be `<ms>-0` within the same
-- millisecond), or its replay would skip what it missed without a word.
-- Retry-safe: redis-py re-sends a command whose reply it lost; the marker holds the id the
-- first run gave, and a second run returns it without publishing again.
local done = redis.call('GET', KEYS[3])
if done then
  return done
end
local id
if redis.call('EXISTS', KEYS[1]) == 0 then
  local now = redis.call('TIME')
  local ms = now[1] * 1000 + math.floor(now[2] / 1000)
  id = redis.call('XADD', KEYS[1], ms .. '-' .. ARGV[5], 'm', ARGV[2])
else
  id = redis.call('XADD', KEYS[1], '*', 'm', ARGV[2])
end
local excess = redis.call('XLEN', KEYS[1]) - tonumber(ARGV[3])
if excess > 0 then
  local dropped = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', excess)
  redis.call('HSET', KEYS[2], 'dropped', dropped[#dropped][1])
  redis.call('XTRIM', KEYS[1], 'MAXLEN', ARGV[3])
end
redis.call('SET', KEYS[3], id, 'PX', ARGV[4])
redis.call('SPUBLISH', ARGV[1], id .. ' ' .. ARGV[2])
return id

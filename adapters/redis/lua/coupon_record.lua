-- Record a coupon for a user unless the user holds one already, and append it to the ledger
-- feed in the same step: the write of the `lock` and `naive` strategies (the check that chose
-- the number came before, in round trips of its own).
-- KEYS[1] the event (hash)  KEYS[2] claims (sorted set: user -> coupon number)
-- KEYS[3] claim times (hash: user -> ms)  KEYS[4] the ledger feed (stream)
-- KEYS[5] users whose coupon the archive holds (set)
-- ARGV[1] the user  ARGV[2] the coupon number  ARGV[3] claim time (ms)  ARGV[4] event id
-- Returns {1, coupon number, issued} recorded (or recorded before by this very call: the
-- user holds this number), {0, coupon number, claim time, archived} the user held another one
-- already, {-2} no event (nothing recorded: the event is gone, say after a flush).
-- Retry-safe: a second run finds the user's number and changes nothing.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-2}
end
if redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
  redis.call('XADD', KEYS[4], '*',
    'event', ARGV[4], 'coupon', ARGV[2], 'user', ARGV[1], 'at', ARGV[3])
  return {1, tonumber(ARGV[2]), redis.call('ZCARD', KEYS[2])}
end
local held = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[1]))
if held == tonumber(ARGV[2]) then
  return {1, held, redis.call('ZCARD', KEYS[2])}
end
return {0, held, redis.call('HGET', KEYS[3], ARGV[1]) or '0',
  redis.call('SISMEMBER', KEYS[5], ARGV[1])}

-- Record a coupon for a user unless the user holds one already, and append it to the ledger
-- feed in the same step: the write of the `lock` and `naive` strategies (the check that chose
-- the number came before, in round trips of its own).
-- KEYS[1] the event's claims (sorted set: user -> coupon number)
-- KEYS[2] claim times (hash: user -> ms)  KEYS[3] the ledger feed (stream)
-- ARGV[1] the user  ARGV[2] the coupon number  ARGV[3] claim time (ms)  ARGV[4] event id
-- Returns the number the user holds now: this one, or the one recorded before.
-- Retry-safe: a second run finds the user's number and changes nothing.
if redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
  redis.call('XADD', KEYS[3], '*',
    'event', ARGV[4], 'coupon', ARGV[2], 'user', ARGV[1], 'at', ARGV[3])
end
return redis.call('ZSCORE', KEYS[1], ARGV[1])

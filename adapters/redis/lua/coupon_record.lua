-- Record a coupon for a user unless the user holds one already: the write of the `lock` and
-- `naive` strategies (the check that chose the number came before, in round trips of its own).
-- KEYS[1] the event's claims (sorted set: user -> coupon number)
-- ARGV[1] the user  ARGV[2] the coupon number
-- Returns the number the user holds now: this one, or the one recorded before.
-- Retry-safe: a second run finds the user's number and changes nothing.
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
return redis.call('ZSCORE', KEYS[1], ARGV[1])

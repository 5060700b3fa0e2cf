-- The atomic coupon claim: check the holder, check the stock, record, in one indivisible step.
-- KEYS[1] the event (hash: quantity, ...)  KEYS[2] claims (zset: user -> coupon number)
-- KEYS[3] claim tokens (hash: user -> token of the claim that granted the coupon)
-- ARGV[1] user id  ARGV[2] claim token
-- Returns {1, coupon number, issued} granted, {0} already claimed, {-1} sold out, {-2} no event.
-- Retry-safe: a user whose coupon was granted to this very token gets the same answer again.
local held = redis.call('ZSCORE', KEYS[2], ARGV[1])
if held then
  if redis.call('HGET', KEYS[3], ARGV[1]) == ARGV[2] then
    return {1, tonumber(held), redis.call('ZCARD', KEYS[2])}
  end
  return {0}
end
local quantity = tonumber(redis.call('HGET', KEYS[1], 'quantity'))
if not quantity then
  return {-2}
end
local issued = redis.call('ZCARD', KEYS[2])
if issued >= quantity then
  return {-1}
end
redis.call('ZADD', KEYS[2], issued + 1, ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return {1, issued + 1, issued + 1}

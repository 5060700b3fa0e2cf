-- The atomic coupon claim: check the holder, check the stock, record, append to the ledger
-- feed, in one indivisible step (a coupon is never issued without its ledger entry).
-- KEYS[1] the event (hash: quantity, ...)  KEYS[2] claims (zset: user -> coupon number)
-- KEYS[3] claim tokens (hash: user -> token of the claim that granted the coupon)
-- KEYS[4] claim times (hash: user -> ms)  KEYS[5] the ledger feed (stream)
-- KEYS[6] users whose coupon the archive holds (set)
-- ARGV[1] user id  ARGV[2] claim token  ARGV[3] claim time (ms)  ARGV[4] event id
-- Returns {1, coupon number, issued} granted, {0, coupon number, claim time, archived} the user
-- holds that coupon already, {-1} sold out, {-2} no event.
-- Retry-safe: a user whose coupon was granted to this very token gets the same answer again
-- (and nothing is appended twice).
--! include coupon_numbers
local held = redis.call('ZSCORE', KEYS[2], ARGV[1])
if held then
  if redis.call('HGET', KEYS[3], ARGV[1]) == ARGV[2] then
    return {1, tonumber(held), redis.call('ZCARD', KEYS[2])}
  end
  return {0, tonumber(held), redis.call('HGET', KEYS[4], ARGV[1]) or '0',
    redis.call('SISMEMBER', KEYS[6], ARGV[1])}
end
local quantity = tonumber(redis.call('HGET', KEYS[1], 'quantity'))
if not quantity then
  return {-2}
end
local issued = redis.call('ZCARD', KEYS[2])
if issued >= quantity then
  return {-1}
end
local number = next_number(KEYS[2], issued)
if number > quantity then
  return {-1}
end
redis.call('ZADD', KEYS[2], number, ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
redis.call('XADD', KEYS[5], '*',
  'event', ARGV[4], 'coupon', number, 'user', ARGV[1], 'at', ARGV[3])
return {1, number, issued + 1}

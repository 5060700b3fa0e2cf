-- An event's stock: how many coupons are issued, and the lowest number nobody holds.
-- KEYS[1] claims (zset: user -> coupon number)
-- Returns {issued, next number}.
--! include coupon_numbers
local issued = redis.call('ZCARD', KEYS[1])
return {issued, next_number(KEYS[1], issued)}

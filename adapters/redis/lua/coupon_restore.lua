-- Put back what the archive says was issued: the event if it is gone, and each coupon whose
-- user holds none. Nothing goes to the ledger feed (the archive has it).
-- KEYS[1] the event (hash)  KEYS[2] claims (zset)  KEYS[3] claim times (hash)
-- ARGV[1] name  ARGV[2] quantity  ARGV[3] strategy, then triples: user, coupon number, ms
-- Returns how many coupons were put back.
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'name', ARGV[1], 'quantity', ARGV[2], 'strategy', ARGV[3])
end
local restored = 0
for i = 4, #ARGV, 3 do
  if redis.call('ZADD', KEYS[2], 'NX', ARGV[i + 1], ARGV[i]) == 1 then
    redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 2])
    restored = restored + 1
  end
end
return restored

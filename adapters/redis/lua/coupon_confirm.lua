-- Note that the archive holds a user's coupon, if the user still holds that very coupon live
-- (a restore may have moved it since the archive was written).
-- KEYS[1] claims (zset)  KEYS[2] users whose coupon the archive holds (set)
-- ARGV[1] user  ARGV[2] coupon number
if tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1])) == tonumber(ARGV[2]) then
  redis.call('SADD', KEYS[2], ARGV[1])
  return 1
end
return 0

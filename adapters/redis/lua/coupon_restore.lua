-- Bring an event's coupons in line with the archive (what users were told they hold): each
-- archived coupon goes to its user, confirmed, and its number is taken back from whoever else
-- holds it live (never a confirmed coupon: that one is archived too, so it cannot clash).
-- Nothing goes to the ledger feed (the archive has it). The event's definition is not touched:
-- `coupon_open.lua` puts it back after the last batch, so claims see no event until then.
-- KEYS[1] claims (zset)  KEYS[2] claim times (hash)  KEYS[3] claim tokens (hash)
-- KEYS[4] users whose coupon the archive holds (set)
-- ARGV triples: user, coupon number, claim time (ms)
-- Returns how many live coupons changed: put back, moved, or taken back.
local changed = 0
for i = 1, #ARGV, 3 do
  local user, number = ARGV[i], tonumber(ARGV[i + 1])
  for _, other in ipairs(redis.call('ZRANGE', KEYS[1], number, number, 'BYSCORE')) do
    if other ~= user then
      redis.call('ZREM', KEYS[1], other)
      redis.call('HDEL', KEYS[2], other)
      redis.call('HDEL', KEYS[3], other)
      redis.call('SREM', KEYS[4], other)
      changed = changed + 1
    end
  end
  if tonumber(redis.call('ZSCORE', KEYS[1], user)) ~= number then
    redis.call('ZADD', KEYS[1], number, user)
    redis.call('HSET', KEYS[2], user, ARGV[i + 2])
    redis.call('HDEL', KEYS[3], user)
    changed = changed + 1
  end
  redis.call('SADD', KEYS[4], user)
end
return changed

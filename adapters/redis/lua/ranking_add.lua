-- Add a delta to a member's score once per increment id, and read the standing, atomically.
-- KEYS[1] the board (zset)  KEYS[2] the marker of this increment id
-- ARGV[1] member  ARGV[2] delta  ARGV[3] how long the marker lives (ms)
-- Returns {score, rank}, or {} when the score would overflow (nothing changed).
-- Retry-safe: the marker makes a repeated increment id a read.
if redis.call('EXISTS', KEYS[2]) == 0 then
  local before = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '0')
  local after = before + tonumber(ARGV[2])
  if after == math.huge or after == -math.huge or after ~= after then
    return {}
  end
  redis.call('ZINCRBY', KEYS[1], ARGV[2], ARGV[1])
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
end
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
return {score, redis.call('ZCOUNT', KEYS[1], '(' .. score, '+inf') + 1}

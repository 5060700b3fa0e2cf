-- A member's score and competition rank (1 + members scoring strictly higher), atomically.
-- KEYS[1] the board (zset)  ARGV[1] member
-- Returns {score, rank}, or {} if the member is not on the board.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then
  return {}
end
return {score, redis.call('ZCOUNT', KEYS[1], '(' .. score, '+inf') + 1}

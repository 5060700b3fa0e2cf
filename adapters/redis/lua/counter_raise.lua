-- Raise a counter to at least a value (never lower it).
-- KEYS[1] the counter  ARGV[1] the value
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
end
return 1

-- Admit one more action in a fixed window, or refuse, in one atomic step.
-- KEYS[1] the window's counter  ARGV[1] limit  ARGV[2] window (ms)
-- Returns {1} admitted (counted), {0, ms until the window ends} refused (nothing counted).
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  return {0, redis.call('PTTL', KEYS[1])}
end
if count == 0 then
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[2])
else
  redis.call('INCR', KEYS[1]) -- keeps the window's TTL
end
return {1}

-- Shared by the scripts that count actions in a fixed window (included, not loaded by itself).
-- Admit one more action in the window counted by `counter` (at most `limit` per `window_ms`):
-- returns {1} when admitted (and counted), {0, ms until the window ends} when refused
-- (nothing counted).
local function admit(counter, limit, window_ms)
  local count = tonumber(redis.call('GET', counter) or '0')
  if count >= tonumber(limit) then
    return {0, redis.call('PTTL', counter)}
  end
  if count == 0 then
    redis.call('SET', counter, 1, 'PX', window_ms)
  else
    redis.call('INCR', counter) -- keeps the window's TTL
  end
  return {1}
end

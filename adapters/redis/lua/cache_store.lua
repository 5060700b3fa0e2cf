-- Store a rendered page if its fill is still the newest of the current generation.
-- KEYS[1] the generation  KEYS[2] the page  KEYS[3] the lease of this page and generation
-- ARGV[1] stamp  ARGV[2] fill number  ARGV[3] TTL (ms)  ARGV[4] rendered page  ARGV[5] fill id
-- A page is stored as '<stamp>|<fill number>|<rendered page>'.
-- Returns 1 if stored, 0 if not (an invalidation came first, or a later fill stored it).
-- Retry-safe: a re-sent store finds its own fill number stored, and stores nothing again.
if redis.call('GET', KEYS[3]) == ARGV[5] then
  redis.call('DEL', KEYS[3])
end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local stored = redis.call('GETRANGE', KEYS[2], 0, 63)
local stamp, number = string.match(stored, '^([^|]*)|(%d+)|')
if stamp == ARGV[1] and tonumber(number) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('SET', KEYS[2], ARGV[1] .. '|' .. ARGV[2] .. '|' .. ARGV[4], 'PX', ARGV[3])
return 1

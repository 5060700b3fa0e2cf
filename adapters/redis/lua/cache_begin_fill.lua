-- Number a fill of a cached page and ask for its lease, in one step.
-- KEYS[1] the page's fill counter  KEYS[2] the lease of this page and generation  KEYS[3] the page
-- ARGV[1] the caller's fill id  ARGV[2] lease (ms)  ARGV[3] the generation (stamp)
-- Returns {fill number, 1 if this caller holds the lease else 0}.
-- No lease once a fill of this generation stored the page: a caller that missed just before
-- the store waits, and finds the page at once, instead of filling it a second time.
-- Retry-safe: a re-sent call finds the lease holding its own fill id and still holds it.
local number = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], 86400000) -- counters of pages nobody reads go away
local stamp = string.match(redis.call('GETRANGE', KEYS[3], 0, 63), '^([^|]*)|')
if stamp == ARGV[3] then
  return {number, 0}
end
local holder = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2], 'GET')
if holder == false or holder == ARGV[1] then
  return {number, 1}
end
return {number, 0}

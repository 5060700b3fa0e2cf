-- Number a fill of a cached page and ask for its lease, in one step.
-- KEYS[1] the page's fill counter  KEYS[2] the lease of this page and generation
-- ARGV[1] the caller's fill id  ARGV[2] lease (ms)
-- Returns {fill number, 1 if this caller holds the lease else 0}.
-- Retry-safe: a re-sent call finds the lease holding its own fill id and still holds it.
local number = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], 86400000) -- counters of pages nobody reads go away
local holder = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2], 'GET')
if holder == false or holder == ARGV[1] then
  return {number, 1}
end
return {number, 0}

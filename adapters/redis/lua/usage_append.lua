-- Store a usage record once per ingestion id: count it, note its sequence number, and keep
-- the source's data for the retention from now.
-- KEYS[1] the source's count  KEYS[2] its set of sequence numbers  KEYS[3] this id's marker
-- ARGV[1] seq  ARGV[2] how long the marker lives (ms)  ARGV[3] the retention (ms)
-- Returns 1 when stored now, 0 for a retry of an append already stored.
-- Retry-safe: redis-py re-sends a command whose reply it lost; the marker makes the second
-- run a no-op (a MULTI/EXEC re-sent after a 0.7 s freeze had counted twice).
if redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[2]) == false then
  return 0
end
redis.call('INCR', KEYS[1])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1

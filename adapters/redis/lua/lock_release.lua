-- Release a lock only if this caller still holds it (compare-and-delete).
-- KEYS[1] the lock  ARGV[1] the caller's token
-- Returns 1 if released, 0 if the lease had expired (and may now be someone else's).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0

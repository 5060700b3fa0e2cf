-- Issue an OTP code under a per-user issuance limit, in one atomic step.
-- KEYS[1] the code (hash: digest, attempts, last_attempt, last_kind, last_left)
-- KEYS[2] the issue counter of the current window
-- ARGV[1] digest  ARGV[2] attempts  ARGV[3] code TTL (ms)  ARGV[4] issue limit  ARGV[5] window (ms)
-- Returns {1} when stored, {0, ms until the window ends} when refused (nothing changed).
-- Retry-safe: the digest already stored means this issue already happened; it is not counted twice.
--! include fixed_window
if redis.call('HGET', KEYS[1], 'digest') == ARGV[1] then
  return {1}
end
local admitted = admit(KEYS[2], ARGV[4], ARGV[5])
if admitted[1] == 0 then
  return admitted
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'digest', ARGV[1], 'attempts', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1}

-- One verification attempt of an OTP code, in one atomic step: compare, count, burn, consume.
-- KEYS[1] the code (hash: digest, attempts, last_attempt, last_kind, last_left)
-- ARGV[1] candidate digest  ARGV[2] attempt id  ARGV[3] how long a consumed code is remembered (ms)
-- Returns {1, 0} verified (the code is consumed), {0, attempts left} wrong (burned at 0),
-- {-1, 0} no live code.
-- Retry-safe: the same attempt id gets its first outcome again and counts nothing.
local code = redis.call('HMGET', KEYS[1], 'digest', 'attempts', 'last_attempt', 'last_kind', 'last_left')
local digest, attempts = code[1], code[2]
if code[3] == ARGV[2] then
  return {tonumber(code[4]), tonumber(code[5])}
end
if not digest then
  return {-1, 0}
end

-- Compare every byte, whatever the first difference: no early exit to time. (The values are
-- keyed digests, so timing would tell little anyway; the habit is what is shown here.)
local candidate = ARGV[1]
local different = #candidate ~= #digest
for i = 1, #digest do
  if string.byte(digest, i) ~= string.byte(candidate, i) then
    different = true
  end
end

if not different then
  redis.call('HDEL', KEYS[1], 'digest', 'attempts')
  redis.call('HSET', KEYS[1], 'last_attempt', ARGV[2], 'last_kind', 1, 'last_left', 0)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {1, 0}
end
local left = tonumber(attempts) - 1
if left <= 0 then
  redis.call('HDEL', KEYS[1], 'digest', 'attempts') -- burned; the TTL stays as it was
else
  redis.call('HSET', KEYS[1], 'attempts', left)
end
redis.call('HSET', KEYS[1], 'last_attempt', ARGV[2], 'last_kind', 0, 'last_left', left)
return {0, left}

-- Open a coupon event: its definition, and the consumer group of its ledger feed.
-- KEYS[1] the event (hash)  KEYS[2] the ledger feed (stream)
-- ARGV[1] name  ARGV[2] quantity  ARGV[3] strategy  ARGV[4] consumer group
-- Idempotent: an event already open keeps its definition; an existing group is kept.
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'name', ARGV[1], 'quantity', ARGV[2], 'strategy', ARGV[3])
end
local created = redis.pcall('XGROUP', 'CREATE', KEYS[2], ARGV[4], '0', 'MKSTREAM')
if type(created) == 'table' and created.err and not string.find(tostring(created.err), 'BUSYGROUP') then
  return redis.error_reply(created.err)
end
return 1

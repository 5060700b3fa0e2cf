-- Create the consumer group of a ledger feed if it is missing, reading from the start (a feed
-- deleted and written again is read whole).
-- KEYS[1] the ledger feed (stream)  ARGV[1] consumer group
local created = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
if type(created) == 'table' and created.err and not string.find(tostring(created.err), 'BUSYGROUP') then
  return redis.error_reply(created.err)
end
return 1

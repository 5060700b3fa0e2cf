-- Park a poison ledger feed entry in the dead letters (the newest 10,000 kept), and
-- acknowledge it, in one step.
-- KEYS[1] the ledger feed (stream)  KEYS[2] the dead letters (stream)
-- ARGV[1] consumer group  ARGV[2] entry id  ARGV[3] reason  ARGV[4] the raw fields (JSON)
-- ARGV[5] the event id (0: the entry names none)
-- Retry-safe: an entry no longer pending is not parked again.
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', 10000, '*',
    'entry', ARGV[2], 'event', ARGV[5], 'reason', ARGV[3], 'fields', ARGV[4])
end
return 1

-- Delete the consumers of a group that hold nothing and have been idle for a while (workers
-- that stopped or died and were taken over), in one step, so that no read can give one of
-- them an entry between the check and the deletion.
-- KEYS[1] the ledger feed (stream)  ARGV[1] consumer group  ARGV[2] idle milliseconds
-- Returns {the names deleted, the names kept}: a consumer is forgotten once no partition of
-- the feed keeps it.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {{}, {}}
end
local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
if not ok then
  return {{}, {}} -- no such group
end
local deleted, kept = {}, {}
for _, consumer in ipairs(consumers) do
  local info = {}
  for i = 1, #consumer, 2 do
    info[consumer[i]] = consumer[i + 1]
  end
  if info['pending'] == 0 and info['idle'] >= tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    table.insert(deleted, info['name'])
  else
    table.insert(kept, info['name'])
  end
end
return {deleted, kept}

-- Count one event's entries in a ledger feed partition that the group has not acknowledged:
-- those nobody has read yet, and those read and pending.
-- KEYS[1] the feed partition (stream)  ARGV[1] consumer group  ARGV[2] the event id
-- For operators (`coupons reconcile`), not a hot path: it reads every entry in flight, which
-- the acknowledgements keep few (they trim the stream).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end

local function of_event(fields)
  for i = 1, #fields, 2 do
    if fields[i] == 'event' then
      return fields[i + 1] == ARGV[2]
    end
  end
  return false
end

local last = nil
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = {}
  for i = 1, #group, 2 do
    info[group[i]] = group[i + 1]
  end
  if info['name'] == ARGV[1] then
    last = info['last-delivered-id']
  end
end

local count = 0
-- No such group (the stream was deleted and written again): everything in it is unread.
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], last and ('(' .. last) or '-', '+')) do
  if of_event(entry[2]) then
    count = count + 1
  end
end
if last then
  for _, pending in ipairs(redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1000000)) do
    local entry = redis.call('XRANGE', KEYS[1], pending[1], pending[1])[1]
    if entry and of_event(entry[2]) then
      count = count + 1
    end
  end
end
return count

-- One page of a board, highest first, with what ranks need, from one consistent view.
-- KEYS[1] the board (zset)  ARGV[1] first position  ARGV[2] last position
-- Returns {total, members scoring strictly higher than the page's first entry, {member, score, ...}}.
local entries = redis.call('ZREVRANGE', KEYS[1], ARGV[1], ARGV[2], 'WITHSCORES')
local above = 0
if #entries > 0 then
  above = redis.call('ZCOUNT', KEYS[1], '(' .. entries[2], '+inf')
end
return {redis.call('ZCARD', KEYS[1]), above, entries}

-- Shared by the scripts that number coupons (included, not loaded by itself).
-- The lowest coupon number nobody holds in the claims sorted set `claims` (scores are coupon
-- numbers, unique under `atomic` and `lock`) holding `count` members: `count + 1` when numbers
-- 1..count are all held (the usual case: one ZRANGE), else found by bisection over ranks, as
-- after a restore that left a gap (numbers lost with the store and never archived).
local function next_number(claims, count)
  if count == 0 then
    return 1
  end
  local last = redis.call('ZRANGE', claims, -1, -1, 'WITHSCORES')
  if tonumber(last[2]) <= count then
    return count + 1
  end
  -- Below the first gap the number at rank r (from 0) is r + 1; from the gap on it is more.
  local low, high = 0, count - 1
  while low < high do
    local middle = math.floor((low + high) / 2)
    local at = redis.call('ZRANGE', claims, middle, middle, 'WITHSCORES')
    if tonumber(at[2]) > middle + 1 then
      high = middle
    else
      low = middle + 1
    end
  end
  return low + 1
end

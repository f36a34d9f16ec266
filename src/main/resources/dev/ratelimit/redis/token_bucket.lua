-- Token buckets, decided atomically in one call: one bucket per band (usually one), and a call takes its cost
-- from every band or from none. The bands may be of several policies, each with its own cost: a method limited
-- by a per-client policy and an endpoint-wide one is decided by one call when their keys share a slot. A call
-- may also lease tokens: take more than its cost, for the instance to spend on later calls without asking, and
-- give back what it did not spend. A negative cost gives tokens back: those a call took when another policy,
-- decided apart, refused it.
--
-- KEYS[i]      band i's bucket (i = 1..n): a string of 20 bytes, struct '<i7i6i7' = level, ts, period (see below).
--              On Redis Cluster the keys share one slot.
-- KEYS[n+1]    when leasing: the sorted set of the leases out on these buckets, member '<tokens>:<lease id>',
--              score the time in milliseconds its hold ends
-- ARGV[1]      now_ms            for tests only: the time to decide at; empty for Redis' clock
-- ARGV[4i-2]   capacity          tokens band i holds at most
-- ARGV[4i-1]   refill_tokens     tokens added to band i per refill period
-- ARGV[4i]     refill_period_ms  band i's refill period in milliseconds
-- ARGV[4i+1]   cost              tokens this call takes from band i; 0 reads the band and writes nothing;
--                                below 0 gives tokens back, up to what the band holds at most (never when leasing)
-- and when leasing, after the bands (of one policy, so of one cost):
-- ARGV[4n+2]   want              tokens to take at most, the call's cost included; cost alone leases nothing
-- ARGV[4n+3]   lease_ms          how long Redis holds a lease for the instance
-- ARGV[4n+4]   lease_id          the id of the lease this call may take
-- ARGV[4n+5]   ended             the member of a lease the instance ends now, or empty
-- ARGV[4n+6]   unspent           tokens of that lease the instance did not spend, given back to every band
--
-- Returns {allowed (1|0), remaining tokens, retry_after_ms, reset_after_ms, band}, the figures of one band
-- (band counts from 0): when refused, the band whose wait is longest; when allowed, the band with the fewest
-- calls left at its cost (the longest reset among equals). That is the band a client is closest to running out of.
-- When leasing, a sixth integer follows: the tokens leased beyond the call's cost, 0 when none.
--
-- A level is kept in integer token-milliseconds (tokens x refill_period_ms): one millisecond then adds
-- exactly refill_tokens to it, so refilling never accumulates floating-point error. The caller keeps
-- capacity x refill_period_ms within 2^53, where Lua's doubles are exact. The period the level was counted
-- in is stored with it, so that a bucket keeps its tokens when the refill period changes.
--
-- A lease's tokens are held: a band refills only up to its capacity less the tokens out on lease, as they were
-- at each moment (a hold that ended between two calls counts until it ended). So a band's level plus what is
-- out on lease never exceeds its capacity, and what every instance admits over any interval stays within
-- capacity + refill x elapsed, as without leases. A hold ends when the instance gives the lease back (its
-- unspent tokens return to the level) or when its time is up (they are lost, never counted twice).
--
-- The three numbers are packed little-endian into 7 + 6 + 7 bytes (level and period below 2^53, ts in
-- milliseconds below 2^47) rather than kept as a hash: one GET and one SET with PX instead of HMGET, HSET
-- and PEXPIRE, and a value small enough that Redis stores key and value in the fewest bytes. Read one with
--   redis-cli EVAL "return {struct.unpack('<i7i6i7', redis.call('GET', KEYS[1]))}" 1 <key>

local BUCKET = '<i7i6i7'

local leasing = #ARGV > 1 + 4 * #KEYS
local band_count = leasing and #KEYS - 1 or #KEYS

local now
if ARGV[1] ~= '' then
  now = tonumber(ARGV[1])
else
  -- Before Redis 5, scripts were replicated verbatim by default, and a write after a non-deterministic
  -- command such as TIME was refused unless the script first switched to replicating its effects. Redis 5
  -- and 6 replicate effects by default, so this call changes nothing there; Redis 7 keeps it as a no-op.
  if redis.replicate_commands then
    redis.replicate_commands()
  end
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

-- Lua turns numbers into strings with 14 significant digits; an expiry can need 16.
local function integer(n)
  return string.format('%.0f', n)
end

-- The leases out, and those whose hold ended by now, in the order they ended.
local leases_key = leasing and KEYS[#KEYS]
local held, ended_holds, holds_after = 0, {}, {}
if leasing then
  local out = redis.call('ZRANGE', leases_key, 0, -1, 'WITHSCORES')
  for i = 1, #out, 2 do
    local hold = {member = out[i], tokens = tonumber(string.match(out[i], '^(%d+):')), ends = tonumber(out[i + 1])}
    held = held + hold.tokens
    if hold.ends <= now then
      ended_holds[#ended_holds + 1] = hold
    else
      holds_after[#holds_after + 1] = hold
    end
  end
end
local held_now = held
for _, hold in ipairs(ended_holds) do
  held_now = held_now - hold.tokens
end

-- The level after gaining some token-milliseconds, never above the cap.
local function grown(level, gained, cap)
  if gained >= cap - level then
    return cap
  end
  return level + gained
end

-- The band's bucket as it stands now: its level refilled up to now, and how far the clock is behind it.
local function refilled(key, capacity, refill_tokens, period, cost)
  local full = capacity * period
  local level, ts, stored_period
  local stored = redis.call('GET', key)
  if stored then
    if #stored == 20 then
      level, ts, stored_period = struct.unpack(BUCKET, stored)
    end
    if not stored_period or stored_period < 1 or level < 0 or ts < 0 then
      return nil
    end
    if stored_period ~= period then
      -- The refill period changed since this bucket was written: keep its tokens, in the new unit.
      level = math.floor(level / stored_period * period)
    end
  else
    -- A missing bucket is a full one: that is what lets an idle key expire.
    level = full - held_now * period
    ts = now
  end
  -- While the clock is behind the bucket's (a failover to a replica whose clock lags), nothing refills.
  local behind = 0
  if now > ts then
    -- Up to each hold's end, the cap is what the holds left; then it rises by the tokens that hold kept.
    local since, on_lease = ts, held
    for _, hold in ipairs(ended_holds) do
      if hold.ends > since then
        level = grown(level, (hold.ends - since) * refill_tokens, full - on_lease * period)
        since = hold.ends
      end
      on_lease = on_lease - hold.tokens
    end
    level = grown(level, (now - since) * refill_tokens, full - on_lease * period)
    ts = now
  else
    behind = ts - now
    -- The capacity was lowered since this bucket was last written.
    level = math.min(level, full - held_now * period)
  end
  return {key = key, full = full, refill_tokens = refill_tokens, period = period, level = level, ts = ts,
          behind = behind, cost = cost, needed = cost * period}
end

local bands = {}
for i = 1, band_count do
  local band = refilled(KEYS[i], tonumber(ARGV[4 * i - 2]), tonumber(ARGV[4 * i - 1]), tonumber(ARGV[4 * i]),
    tonumber(ARGV[4 * i + 1]))
  if not band then
    return redis.error_reply('WRONGTYPE the key holds a value that is not a token bucket')
  end
  bands[i] = band
end

-- Leasing: end the instance's lease first, so that its unspent tokens count for this call.
local lease = 4 * band_count + 2
local changed = false
if leasing then
  local ended = ARGV[lease + 3]
  -- Only a lease still held gives back: once its hold ended, its tokens are lost, never counted twice.
  for i, hold in ipairs(holds_after) do
    if hold.member == ended then
      redis.call('ZREM', leases_key, ended)
      table.remove(holds_after, i)
      held_now = held_now - hold.tokens
      local unspent = math.min(tonumber(ARGV[lease + 4]), hold.tokens)
      for _, band in ipairs(bands) do
        band.level = math.min(band.level + unspent * band.period, band.full - held_now * band.period)
      end
      changed = true
      break
    end
  end
  if #ended_holds > 0 then
    -- The bands are written too: refilled from a stored state older than these holds' end, they would
    -- otherwise gain the tokens the holds kept them from.
    redis.call('ZREMRANGEBYSCORE', leases_key, '-inf', now)
    changed = true
  end
end

local allowed = 1
for _, band in ipairs(bands) do
  if band.level < band.needed then
    allowed = 0
  end
end

-- The tokens taken from each band: its cost, or when leasing as many of those wanted as every band holds.
for _, band in ipairs(bands) do
  band.take = band.cost
end
local leased = 0
if leasing and allowed == 1 then
  local take = tonumber(ARGV[lease])
  if take > bands[1].cost then
    for _, band in ipairs(bands) do
      take = math.min(take, math.floor(band.level / band.period))
    end
    leased = take - bands[1].cost
    for _, band in ipairs(bands) do
      band.take = take
    end
  end
end
local hold_horizon = 0
if leased > 0 then
  local ends = now + tonumber(ARGV[lease + 1])
  redis.call('ZADD', leases_key, ends, leased .. ':' .. ARGV[lease + 2])
  holds_after[#holds_after + 1] = {tokens = leased, ends = ends}
  held_now = held_now + leased
end
for _, hold in ipairs(holds_after) do
  hold_horizon = math.max(hold_horizon, hold.ends - now)
end
if leasing and #holds_after > 0 then
  redis.call('PEXPIRE', leases_key, integer(hold_horizon + 1000))
end

-- How long until the band holds the call's cost, refilling up to what the holds leave, which rises as each ends
-- (holds_after is in the order they end).
local function wait_for(band)
  local waited, level, on_lease = 0, band.level, held_now
  for _, hold in ipairs(holds_after) do
    local cap = band.full - on_lease * band.period
    if cap >= band.needed then
      local enough = waited + math.ceil((band.needed - level) / band.refill_tokens)
      if enough <= hold.ends - now then
        return enough
      end
    end
    level = math.min(cap, level + (hold.ends - now - waited) * band.refill_tokens)
    waited = hold.ends - now
    on_lease = on_lease - hold.tokens
  end
  return waited + math.max(0, math.ceil((band.needed - level) / band.refill_tokens))
end

local reported, remaining, calls_left, retry_after, reset_after
for i, band in ipairs(bands) do
  local wait = 0
  if allowed == 1 then
    band.level = band.level - band.take * band.period
    if band.take < 0 then
      band.level = math.min(band.level, band.full - held_now * band.period)
    end
  elseif band.level < band.needed then
    -- Nothing to write: the stored state already yields this refill on the next call.
    wait = band.behind + wait_for(band)
  end
  local reset = band.behind + math.ceil((band.full - band.level) / band.refill_tokens)
  local left = math.floor(band.level / band.period)
  local calls = left
  if band.cost > 0 then
    calls = math.floor(band.level / band.needed)
  end
  if (allowed == 1 and band.take ~= 0) or changed then
    -- Expire the bucket a little after it would be full again, when it is no different from a missing one;
    -- while tokens are held, only after the last hold ends and the band had time to refill from there.
    local expiry = reset + 1000
    if hold_horizon > 0 then
      expiry = hold_horizon + reset + 1000
    end
    redis.call('SET', band.key, struct.pack(BUCKET, band.level, band.ts, band.period), 'PX', integer(expiry))
  end
  local closer
  if not reported then
    closer = true
  elseif allowed == 1 then
    closer = calls < calls_left or (calls == calls_left and reset > reset_after)
  else
    closer = wait > retry_after
  end
  if closer then
    reported, remaining, calls_left, retry_after, reset_after = i, left, calls, wait, reset
  end
end

if leasing then
  return {allowed, remaining, retry_after, reset_after, reported - 1, leased}
end
return {allowed, remaining, retry_after, reset_after, reported - 1}

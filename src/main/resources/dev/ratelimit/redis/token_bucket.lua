-- Token buckets, decided atomically in one call: one bucket per band of a policy (usually one), and a call
-- takes its cost from every band or from none.
--
-- KEYS[i]      band i's bucket: a string of 20 bytes, struct '<i7i6i7' = level, ts, period (see below).
--              On Redis Cluster the keys share one hash tag, hence one slot.
-- ARGV[1]      cost              tokens this call takes from each band; 0 reads the bands and writes nothing
-- ARGV[2]      now_ms            for tests only: the time to decide at; empty for Redis' clock
-- ARGV[3i]     capacity          tokens band i holds at most
-- ARGV[3i+1]   refill_tokens     tokens added to band i per refill period
-- ARGV[3i+2]   refill_period_ms  band i's refill period in milliseconds
--
-- Returns {allowed (1|0), remaining tokens, retry_after_ms, reset_after_ms, band}, the figures of one band
-- (band counts from 0): when refused, the band whose wait is longest; when allowed, the band with the fewest
-- tokens left (the longest reset among equals). That is the band a client is closest to running out of.
--
-- A level is kept in integer token-milliseconds (tokens x refill_period_ms): one millisecond then adds
-- exactly refill_tokens to it, so refilling never accumulates floating-point error. The caller keeps
-- capacity x refill_period_ms within 2^53, where Lua's doubles are exact. The period the level was counted
-- in is stored with it, so that a bucket keeps its tokens when the refill period changes.
--
-- The three numbers are packed little-endian into 7 + 6 + 7 bytes (level and period below 2^53, ts in
-- milliseconds below 2^47) rather than kept as a hash: one GET and one SET with PX instead of HMGET, HSET
-- and PEXPIRE, and a value small enough that Redis stores key and value in the fewest bytes. Read one with
--   redis-cli EVAL "return {struct.unpack('<i7i6i7', redis.call('GET', KEYS[1]))}" 1 <key>

local BUCKET = '<i7i6i7'

local cost = tonumber(ARGV[1])

local now
if ARGV[2] ~= '' then
  now = tonumber(ARGV[2])
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

-- The band's bucket as it stands now: its level refilled up to now, and how far the clock is behind it.
local function refilled(key, capacity, refill_tokens, period)
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
    level = full
    ts = now
  end
  -- While the clock is behind the bucket's (a failover to a replica whose clock lags), nothing refills.
  local behind = 0
  if now > ts then
    local gained = (now - ts) * refill_tokens
    if gained >= full - level then
      level = full
    else
      level = level + gained
    end
    ts = now
  else
    behind = ts - now
    if level > full then
      -- The capacity was lowered since this bucket was last written.
      level = full
    end
  end
  return {key = key, full = full, refill_tokens = refill_tokens, period = period, level = level, ts = ts,
          behind = behind, needed = cost * period}
end

local bands = {}
local allowed = 1
for i = 1, #KEYS do
  local band = refilled(KEYS[i], tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2]))
  if not band then
    return redis.error_reply('WRONGTYPE the key holds a value that is not a token bucket')
  end
  if band.level < band.needed then
    allowed = 0
  end
  bands[i] = band
end

local reported, remaining, retry_after, reset_after
for i, band in ipairs(bands) do
  local wait = 0
  if allowed == 1 then
    band.level = band.level - band.needed
  elseif band.level < band.needed then
    -- Nothing to write: the stored state already yields this refill on the next call.
    wait = band.behind + math.ceil((band.needed - band.level) / band.refill_tokens)
  end
  local reset = band.behind + math.ceil((band.full - band.level) / band.refill_tokens)
  local left = math.floor(band.level / band.period)
  if allowed == 1 and cost > 0 then
    -- Expire the bucket a little after it would be full again, when it is no different from a missing one.
    redis.call('SET', band.key, struct.pack(BUCKET, band.level, band.ts, band.period), 'PX', integer(reset + 1000))
  end
  local closer
  if not reported then
    closer = true
  elseif allowed == 1 then
    closer = left < remaining or (left == remaining and reset > reset_after)
  else
    closer = wait > retry_after
  end
  if closer then
    reported, remaining, retry_after, reset_after = i, left, wait, reset
  end
end

return {allowed, remaining, retry_after, reset_after, reported - 1}

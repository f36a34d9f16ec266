-- Token bucket, decided atomically in one call.
--
-- KEYS[1]  the bucket: a string of 20 bytes, struct '<i7i6i7' = level, ts, period (see below)
-- ARGV[1]  capacity          tokens the bucket holds at most
-- ARGV[2]  refill_tokens     tokens added per refill period
-- ARGV[3]  refill_period_ms  the refill period in milliseconds
-- ARGV[4]  cost              tokens this call takes
-- ARGV[5]  now_ms            optional, for tests only: the time to decide at instead of Redis' clock
--
-- Returns {allowed (1|0), remaining tokens, retry_after_ms, reset_after_ms}.
--
-- The level is kept in integer token-milliseconds (tokens x refill_period_ms): one millisecond then adds
-- exactly refill_tokens to it, so refilling never accumulates floating-point error. The caller keeps
-- capacity x refill_period_ms within 2^53, where Lua's doubles are exact. The period the level was counted
-- in is stored with it, so that a bucket keeps its tokens when the refill period changes.
--
-- The three numbers are packed little-endian into 7 + 6 + 7 bytes (level and period below 2^53, ts in
-- milliseconds below 2^47) rather than kept as a hash: one GET and one SET with PX instead of HMGET, HSET
-- and PEXPIRE, and a value small enough that Redis stores key and value in the fewest bytes. Read one with
--   redis-cli EVAL "return {struct.unpack('<i7i6i7', redis.call('GET', KEYS[1]))}" 1 <key>

local BUCKET = '<i7i6i7'

local capacity = tonumber(ARGV[1])
local refill_tokens = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])

local now
if ARGV[5] then
  now = tonumber(ARGV[5])
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

local full = capacity * period
local needed = cost * period

local level, ts, stored_period
local stored = redis.call('GET', KEYS[1])
if stored then
  if #stored == 20 then
    level, ts, stored_period = struct.unpack(BUCKET, stored)
  end
  if not stored_period or stored_period < 1 or level < 0 or ts < 0 then
    return redis.error_reply('WRONGTYPE the key holds a value that is not a token bucket')
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
  local missing = full - level
  local refilled = (now - ts) * refill_tokens
  if refilled >= missing then
    level = full
  else
    level = level + refilled
  end
  ts = now
else
  behind = ts - now
  if level > full then
    -- The capacity was lowered since this bucket was last written.
    level = full
  end
end

local allowed = 0
local retry_after = 0
if level >= needed then
  allowed = 1
  level = level - needed
else
  -- Nothing to write: the stored state already yields this refill on the next call.
  retry_after = behind + math.ceil((needed - level) / refill_tokens)
end

local reset_after = behind + math.ceil((full - level) / refill_tokens)
if allowed == 1 then
  -- Expire the bucket a little after it would be full again, when it is no different from a missing one.
  redis.call('SET', KEYS[1], struct.pack(BUCKET, level, ts, period), 'PX', integer(reset_after + 1000))
end

return {allowed, math.floor(level / period), retry_after, reset_after}

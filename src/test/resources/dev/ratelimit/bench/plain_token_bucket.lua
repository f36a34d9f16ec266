-- The textbook two-field token bucket, for the benchmarks only: the yardstick of Redis CPU per decision.
-- It keeps {tokens, ts} in a hash, refills in fractional tokens at Redis' clock, and forgets nothing else:
-- no exact integer arithmetic, no stored period, no retry-after or reset time.
--
-- KEYS[1] the bucket; ARGV capacity, refill_tokens, refill_period_ms, cost. Returns {allowed, tokens left}.
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2]) / tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)

local allowed = 0
if tokens >= cost then
  allowed = 1
  tokens = tokens - cost
  redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
end
return {allowed, math.floor(tokens)}

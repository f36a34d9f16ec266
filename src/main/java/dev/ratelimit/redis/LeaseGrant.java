package dev.ratelimit.redis;

import dev.ratelimit.core.Decision;

/**
 * What a leasing call got: the decision on the call itself, and the tokens leased beyond its cost.
 *
 * @param leased 0 when the call was refused, or leased nothing beyond its cost
 */
record LeaseGrant(Decision decision, long leased) {}

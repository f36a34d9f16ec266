package dev.ratelimit.redis;

import redis.clients.jedis.exceptions.JedisException;

/**
 * The token bucket script answered something that is not a decision: another script under its SHA, or a proxy in
 * between. Never a decision to act on; Redis answered, so it is no outage.
 */
final class NotADecisionException extends JedisException {

    private static final long serialVersionUID = 1L;

    NotADecisionException(String message) {
        super(message);
    }
}

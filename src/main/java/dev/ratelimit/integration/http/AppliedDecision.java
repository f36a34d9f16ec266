package dev.ratelimit.integration.http;

import dev.ratelimit.core.Decision;
import dev.ratelimit.core.RateLimitPolicy;

/** A decision and its policy, handed from the interceptor to the response filter through the request. */
public record AppliedDecision(RateLimitPolicy policy, Decision decision) {

    public static final String REQUEST_ATTRIBUTE = AppliedDecision.class.getName();

    /** {@code "orders";q=100;w=60}: the bucket holds 100 tokens and fills up from empty in 60 s. */
    String policyHeader() {
        return '"' + policy.name() + "\";q=" + policy.limits().capacity() + ";w=" + policy.limits().windowSeconds();
    }

    /** {@code "orders";r=0;t=7}: 0 tokens left, full again in 7 s. */
    String limitHeader() {
        return '"' + policy.name() + "\";r=" + decision.remaining() + ";t=" + decision.resetAfterSeconds();
    }
}

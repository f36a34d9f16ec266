package dev.ratelimit.integration.http;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.RateLimitPolicy;
import java.util.List;

/**
 * A decision and the policies of the call, handed from the interceptor to the response filter through the request.
 *
 * @param policies every policy that decided the call, in the order the method declares them
 * @param reported which of them the decision is of: the one that refused, else the one closest to its limit
 * @param decision its decision
 */
public record AppliedDecision(List<RateLimitPolicy> policies, int reported, Decision decision) {

    public static final String REQUEST_ATTRIBUTE = AppliedDecision.class.getName();

    public AppliedDecision {
        policies = List.copyOf(policies);
    }

    /** The decision of a call that one policy limits. */
    public AppliedDecision(RateLimitPolicy policy, Decision decision) {
        this(List.of(policy), 0, decision);
    }

    /** The policy the decision is of. */
    public RateLimitPolicy reportedPolicy() {
        return policies.get(reported);
    }

    /**
     * {@code "orders";q=100;w=60}: the bucket holds 100 tokens and fills up from empty in 60 s. A policy of
     * several bands lists each, as the draft allows: {@code "search";q=20;w=2, "search.hourly";q=1000;w=3600};
     * so does a call of several policies, each policy's bands after the other's.
     */
    String policyHeader() {
        StringBuilder header = new StringBuilder();
        for (RateLimitPolicy policy : policies) {
            for (int band = 0; band < policy.bandCount(); band++) {
                BucketLimits limits = policy.limitsOfBand(band);
                header.append(header.isEmpty() ? "" : ", ")
                        .append('"')
                        .append(policy.nameOfBand(band))
                        .append("\";q=")
                        .append(limits.capacity())
                        .append(";w=")
                        .append(limits.windowSeconds());
            }
        }
        return header.toString();
    }

    /**
     * {@code "orders";r=0;t=7}: 0 tokens left, full again in 7 s; of the band the decision reports, the one
     * the caller is closest to running out of.
     */
    String limitHeader() {
        return '"' + reportedPolicy().nameOfBand(decision.band()) + "\";r=" + decision.remaining() + ";t="
                + decision.resetAfterSeconds();
    }
}

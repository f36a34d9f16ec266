package dev.ratelimit.integration.http;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.RateLimitPolicy;

/** A decision and its policy, handed from the interceptor to the response filter through the request. */
public record AppliedDecision(RateLimitPolicy policy, Decision decision) {

    public static final String REQUEST_ATTRIBUTE = AppliedDecision.class.getName();

    /**
     * {@code "orders";q=100;w=60}: the bucket holds 100 tokens and fills up from empty in 60 s. A policy of
     * several bands lists each, as the draft allows: {@code "search";q=20;w=2, "search.hourly";q=1000;w=3600}.
     */
    String policyHeader() {
        StringBuilder header = new StringBuilder();
        for (int band = 0; band < policy.bandCount(); band++) {
            BucketLimits limits = policy.limitsOfBand(band);
            header.append(band == 0 ? "" : ", ")
                    .append('"')
                    .append(policy.nameOfBand(band))
                    .append("\";q=")
                    .append(limits.capacity())
                    .append(";w=")
                    .append(limits.windowSeconds());
        }
        return header.toString();
    }

    /**
     * {@code "orders";r=0;t=7}: 0 tokens left, full again in 7 s; of the band the decision reports, the one
     * the caller is closest to running out of.
     */
    String limitHeader() {
        return '"' + policy.nameOfBand(decision.band()) + "\";r=" + decision.remaining() + ";t="
                + decision.resetAfterSeconds();
    }
}

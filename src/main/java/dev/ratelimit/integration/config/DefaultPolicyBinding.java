package dev.ratelimit.integration.config;

import dev.ratelimit.RateLimited;
import jakarta.enterprise.util.AnnotationLiteral;

/**
 * The {@code @RateLimited("<policy>")} that {@code ratelimit.default-policy} gives a resource method without one:
 * added to the method's annotations as CDI sees them, so that the interceptor binds to it, and read by the policy
 * lookup where the method's own annotations have none.
 */
@SuppressWarnings("all") // an annotation literal implements the annotation, which the compiler warns of
public final class DefaultPolicyBinding extends AnnotationLiteral<RateLimited> implements RateLimited {

    private static final long serialVersionUID = 1L;

    private final String policy;

    public DefaultPolicyBinding(String policy) {
        this.policy = policy;
    }

    @Override
    public String value() {
        return policy;
    }

    @Override
    public long capacity() {
        return UNSET;
    }

    @Override
    public long refillTokens() {
        return UNSET;
    }

    @Override
    public String refillPeriod() {
        return "";
    }

    @Override
    public long cost() {
        return UNSET;
    }
}

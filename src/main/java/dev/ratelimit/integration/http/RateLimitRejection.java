package dev.ratelimit.integration.http;

import dev.ratelimit.core.Decision;
import dev.ratelimit.core.RateLimitPolicy;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * A call the rate limiter refuses, carrying its finished response: an {@code application/problem+json}
 * body (RFC 9457) that is never cached.
 */
public final class RateLimitRejection extends WebApplicationException {

    static final String PROBLEM_JSON = "application/problem+json";
    static final String RETRY_AFTER = "Retry-After";

    /** Seconds a client should wait before retrying when Redis failed and the policy is fail-closed. */
    static final long UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

    private RateLimitRejection(String detail, Response response) {
        super(detail, response);
    }

    /** A refusal is an answer, not a fault: under a flood of 429s, walking the stack would be most of the cost. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    public static RateLimitRejection tooManyRequests(RateLimitPolicy policy, Decision decision) {
        long retryAfter = decision.retryAfterSeconds();
        String detail = "Rate limit of policy '" + policy.name() + "' exceeded: retry in " + retryAfter + " s";
        return withRetryAfter(Response.Status.TOO_MANY_REQUESTS, policy, detail, retryAfter);
    }

    public static RateLimitRejection unavailable(RateLimitPolicy policy) {
        String detail = "The rate limiter of policy '" + policy.name()
                + "' cannot decide right now and refuses calls until it can";
        return withRetryAfter(Response.Status.SERVICE_UNAVAILABLE, policy, detail, UNAVAILABLE_RETRY_AFTER_SECONDS);
    }

    public static RateLimitRejection missingClientId(RateLimitPolicy policy, String expectedSource) {
        String detail = "Missing client id: rate-limit policy '" + policy.name() + "' needs " + expectedSource;
        return new RateLimitRejection(
                detail,
                problem(Response.Status.BAD_REQUEST, policy, detail, null).build());
    }

    private static RateLimitRejection withRetryAfter(
            Response.Status status, RateLimitPolicy policy, String detail, long retryAfterSeconds) {
        Response response = problem(status, policy, detail, retryAfterSeconds)
                .header(RETRY_AFTER, retryAfterSeconds)
                .build();
        return new RateLimitRejection(detail, response);
    }

    private static Response.ResponseBuilder problem(
            Response.Status status, RateLimitPolicy policy, String detail, Long retryAfterSeconds) {
        StringBuilder json = new StringBuilder()
                .append("{\"type\":\"about:blank\",\"title\":")
                .append(jsonString(status.getReasonPhrase()))
                .append(",\"status\":")
                .append(status.getStatusCode())
                .append(",\"detail\":")
                .append(jsonString(detail))
                .append(",\"policy\":")
                .append(jsonString(policy.name()));
        if (retryAfterSeconds != null) {
            json.append(",\"retryAfter\":").append(retryAfterSeconds);
        }
        json.append('}');
        return Response.status(status)
                .type(PROBLEM_JSON)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .entity(json.toString());
    }

    static String jsonString(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}

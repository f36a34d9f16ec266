package dev.ratelimit.testsupport;

import java.util.List;

/**
 * The values the metrics' labels take, as the operations guide documents them, written once for the tests that
 * check a series exists for each, or that a dashboard matches only values that exist.
 */
public final class MetricLabels {

    public static final List<String> OUTCOMES = List.of(
            "allowed",
            "blocked",
            "unidentified",
            "fail_open",
            "fail_closed",
            "local_allowed",
            "local_blocked",
            "shadow_blocked",
            "exempt");

    public static final List<String> REASONS = List.of(
            "timeout",
            "connection",
            "too_many_connections",
            "node_unavailable",
            "breaker_open",
            "pool_exhausted",
            "authentication",
            "no_permission",
            "out_of_memory",
            "wrong_type",
            "script_error",
            "error_reply");

    public static final List<String> BREAKER_STATES = List.of("closed", "open", "half_open");

    private MetricLabels() {}
}

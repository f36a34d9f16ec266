package dev.ratelimit.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class UnknownKeysTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "ratelimit.redis.url", "ratelimit.redis.connect-timeout", "ratelimit.redis.command-timeout",
            "ratelimit.redis.pool-size", "ratelimit.key-prefix", "ratelimit.trusted-proxies", "ratelimit.config.file",
            "ratelimit.defaults.capacity", "ratelimit.defaults.failure-mode",
            "ratelimit.policies.orders.refill-tokens", "ratelimit.policies.api.v1.orders.cost",
            "com.x.A/m/RateLimited/capacity", "com.x.A/RateLimited/missing-key", "com.x.Outer$In/m/RateLimited/key",
            "RATELIMIT_POLICIES_ORDERS_CAPACITY", "config_ordinal", "mp.metrics.tags", "com.x.Retry/m/Retry/maxRetries"})
    void keysTheLimiterReadsOrDoesNotOwnAreFine(String key) {
        assertThat(UnknownKeys.among(List.of(key))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "ratelimit.policies.orders.refil-tokens", "ratelimit.polices.orders.capacity", "ratelimit.redis.comand-timeout",
            "ratelimit.defaults.capcity", "ratelimit.policies.capacity", "ratelimit.redis", "ratelimit.enabled",
            "com.x.A/m/RateLimited/capacty", "com.x.A/m/RateLimited/"})
    void misspeltKeysAreReportedByName(String key) {
        assertThat(UnknownKeys.among(List.of(key)))
                .singleElement().asString()
                .startsWith("Invalid rate limit configuration: unknown key " + key + "; policy properties are capacity,");
    }

    @Test
    void eachUnknownKeyIsReportedOnce() {
        assertThat(UnknownKeys.among(List.of("ratelimit.a", "ratelimit.redis.url", "ratelimit.b"))).hasSize(2);
    }
}

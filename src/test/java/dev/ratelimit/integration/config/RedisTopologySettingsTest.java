package dev.ratelimit.integration.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ratelimit.redis.RedisSettings;
import dev.ratelimit.redis.RedisTopology;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Redis deployment, chosen by the URL alone and read the way a container gives it: from environment
 * variables only, through a real MicroProfile Config (SmallRye Config). Settings that contradict the chosen
 * deployment fail naming their keys, and no message shows a password.
 */
class RedisTopologySettingsTest {

    private static final WrittenKeys NO_ENVIRONMENT = new WrittenKeys(Map.of());

    private static final String SECRET = "Sentinel-S3cret-pa55";

    private static RedisSettings fromEnvironment(Map<String, String> variables) {
        return LimiterSettings.read(
                        new SmallRyeConfigBuilder()
                                .withSources(new EnvConfigSource(variables, 300))
                                .build(),
                        NO_ENVIRONMENT)
                .redis();
    }

    private static String failure(Map<String, String> variables) {
        InvalidRateLimitConfigException e =
                catchThrowableOfType(InvalidRateLimitConfigException.class, () -> fromEnvironment(variables));
        assertThat(e).as("InvalidRateLimitConfigException for %s", variables).isNotNull();
        assertThat(e.getMessage()).doesNotContain(SECRET);
        return e.getMessage();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "redis://10.0.0.1:6380/2                                 | STANDALONE",
                "rediss://redis.internal                                 | STANDALONE",
                "redis-cluster://10.0.0.1:7000,10.0.0.2:7000             | CLUSTER",
                "rediss-cluster://node-1:7000                            | CLUSTER",
                "redis-sentinel://10.0.0.1:26379,10.0.0.2:26379#primary  | SENTINEL",
            })
    void theUrlVariableAloneChoosesTheDeployment(String url, RedisTopology topology) {
        assertThat(fromEnvironment(Map.of("RATELIMIT_REDIS_URL", url)).topology())
                .isEqualTo(topology);
    }

    @Test
    void sentinelCredentialsAreReadFromTheirVariablesAndNeverShown() {
        RedisSettings settings = fromEnvironment(Map.of(
                "RATELIMIT_REDIS_URL", "redis-sentinel://:data-node-pw@s1,s2#primary",
                "RATELIMIT_REDIS_SENTINEL_USER", "sentinel-reader",
                "RATELIMIT_REDIS_SENTINEL_PASSWORD", SECRET));

        assertThat(settings.sentinelUser()).contains("sentinel-reader");
        assertThat(settings.toString())
                .contains("sentinelUser=sentinel-reader", "sentinelPassword=***")
                .doesNotContain(SECRET)
                .doesNotContain("data-node-pw");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "redis://h:6379           | RATELIMIT_REDIS_SENTINEL_PASSWORD | ratelimit.redis.sentinel.password",
                "redis-cluster://a:1,b:2  | RATELIMIT_REDIS_SENTINEL_PASSWORD | ratelimit.redis.sentinel.password",
                "redis-cluster://a:1,b:2  | RATELIMIT_REDIS_SENTINEL_USER     | ratelimit.redis.sentinel.user",
            })
    void sentinelCredentialsWithoutSentinelsFailNamingBothKeys(String url, String variable, String key) {
        assertThat(failure(Map.of("RATELIMIT_REDIS_URL", url, variable, SECRET)))
                .contains(key + ", ratelimit.redis.url: Sentinel credentials are only used with a"
                        + " redis-sentinel:// URL");
    }

    @Test
    void aSentinelUserWithoutItsPasswordFailsNamingBoth() {
        assertThat(failure(Map.of(
                        "RATELIMIT_REDIS_URL",
                        "redis-sentinel://s1#primary",
                        "RATELIMIT_REDIS_SENTINEL_USER",
                        "sentinel-reader")))
                .contains("ratelimit.redis.sentinel.user, ratelimit.redis.sentinel.password: a Sentinel user needs"
                        + " a Sentinel password");
    }

    @Test
    void clusterCredentialsGivenTwiceFailNamingEveryPlace() {
        assertThat(failure(Map.of(
                        "RATELIMIT_REDIS_URL",
                        "redis-cluster://limiter:" + SECRET + "@a:1,b:2",
                        "RATELIMIT_REDIS_PASSWORD",
                        SECRET)))
                .contains("ratelimit.redis.url, ratelimit.redis.password: credentials are given both in the URL"
                        + " and apart from it");
    }

    @Test
    void aClusterUrlWithADatabaseFailsNamingTheKey() {
        assertThat(failure(Map.of("RATELIMIT_REDIS_URL", "redis-cluster://:" + SECRET + "@a:1,b:2/1")))
                .startsWith("Invalid rate limit configuration: ratelimit.redis.url: ")
                .contains("a Redis Cluster has database 0 only");
    }
}

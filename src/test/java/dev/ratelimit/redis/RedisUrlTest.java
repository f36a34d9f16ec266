package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.HostAndPort;

class RedisUrlTest {

    @Test
    void oneRedisIsOneNodeOnRedisPort() {
        RedisUrl url = RedisUrl.parse("redis://user:pw@redis.internal/2");

        assertThat(url.topology()).isEqualTo(RedisTopology.STANDALONE);
        assertThat(url.nodes()).containsExactly(new HostAndPort("redis.internal", 6379));
        assertThat(url.database()).isEqualTo(2);
        assertThat(url.user()).isEqualTo("user");
        assertThat(url.password()).isEqualTo("pw");
        assertThat(url.tls()).isFalse();
    }

    @Test
    void aClusterIsKnownByItsSeedNodesEachOnRedisPortUnlessGiven() {
        RedisUrl url = RedisUrl.parse("redis-cluster://node-a:7000, node-b ,10.0.0.3:7002,node-a:7000");

        assertThat(url.topology()).isEqualTo(RedisTopology.CLUSTER);
        assertThat(url.nodes())
                .containsExactly(
                        new HostAndPort("node-a", 7000),
                        new HostAndPort("node-b", 6379),
                        new HostAndPort("10.0.0.3", 7002));
        assertThat(url.database()).isZero();
        assertThat(url.masterName()).isNull();
        assertThat(url.uri()).isEqualTo(URI.create("redis-cluster://node-a:7000,node-b:6379,10.0.0.3:7002"));
    }

    @Test
    void sentinelsAreOnSentinelPortUnlessGivenAndNameTheirPrimary() {
        RedisUrl url = RedisUrl.parse("REDIS-SENTINEL://s1,s2:26380/3#orders-primary");

        assertThat(url.topology()).isEqualTo(RedisTopology.SENTINEL);
        assertThat(url.nodes()).containsExactly(new HostAndPort("s1", 26379), new HostAndPort("s2", 26380));
        assertThat(url.masterName()).isEqualTo("orders-primary");
        assertThat(url.database()).isEqualTo(3);
        assertThat(url.uri()).hasToString("redis-sentinel://s1:26379,s2:26380/3#orders-primary");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rediss://h", "rediss-cluster://a:1,b:2", "rediss-sentinel://s1#m"})
    void anSAfterRedisMeansTls(String text) {
        assertThat(RedisUrl.parse(text).tls()).isTrue();
    }

    @Test
    void credentialsOfSeveralHostsAreUnescapedLikeThoseOfOne() {
        RedisUrl url = RedisUrl.parse("redis-cluster://limiter:p%40ss%2Fw%25rd@a:1,b:2");

        assertThat(url.user()).isEqualTo("limiter");
        assertThat(url.password()).isEqualTo("p@ss/w%rd");
        assertThat(url.nodes()).hasSize(2);
        assertThat(url).hasToString("redis-cluster://***@a:1,b:2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis-cluster://a:1/2", "redis-cluster://a:1#primary"})
    void aClusterHasNeitherDatabaseNorMasterName(String text) {
        assertThat(failure(text)).contains("a Redis Cluster has database 0 only, and no master name");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "redis-sentinel://s1,s2",
                "redis-sentinel://s1#",
                "redis-sentinel://s1#two words",
                "redis-sentinel://s1#a/b"
            })
    void sentinelsNeedTheNameOfThePrimary(String text) {
        assertThat(failure(text)).contains("name the primary after '#'");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "redis-cluster://",
                "redis-cluster://a:1,,b:2",
                "redis-cluster://a:x",
                "redis-cluster://a:1?timeout=5",
                "redis-sentinel://s1/x#m",
                "redis-cluster://a:65536",
                "redis-cluster://a:1#b,c:2"
            })
    void malformedHostListsAreRefused(String text) {
        assertThat(failure(text)).contains("must look like " + RedisUrl.FORMS);
    }

    @Test
    void underscoresInHostNamesAreRefusedWithTheirUsualCause() {
        assertThat(failure("redis-cluster://redis_node_1:6379,redis-node-2:6379"))
                .contains("host names may not hold '_' (often found in Docker service names)");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "redis-cluster://u:hunter2@a:1,b:x",
                "redis-sentinel://:hunter2@s1",
                "rediss-x://:hunter2@h",
                "redis-cluster://u:hun#ter2@h1",
                "redis-cluster://u:hunter2/x@h1:1",
                "redis-cluster://u:hunter2?x@h1",
                "redis-cluster://u:hunter2@[::1]:7000,[::1]:7001"
            })
    void aPasswordInABadUrlIsNeverShown(String text) {
        assertThat(failure(text)).doesNotContain("hunter2").contains("***@");
    }

    private static String failure(String text) {
        IllegalArgumentException e = catchThrowableOfType(IllegalArgumentException.class, () -> RedisUrl.parse(text));
        assertThat(e).as("refusal of %s", text).isNotNull();
        return e.getMessage();
    }
}

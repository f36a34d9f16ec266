package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ratelimit.testsupport.RedisClusterProcess;
import dev.ratelimit.testsupport.RedisServerProcess;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The demo WAR as the build made it, on a Liberty server of its own told of a 3-master Redis Cluster by one
 * environment variable in its {@code server.env}, as a container would be: each client of the fail-closed
 * {@code orders} policy gets exactly its orders (2: the integration-test server's jvm.options, which this server
 * copies, lower the demo's 5), the buckets lie on every master, and once a master dies the clients it holds get
 * 503 while the others are decided as before.
 */
class ClusterModeIT {

    private static final String PREFIX = "it-cluster-" + UUID.randomUUID() + ":";
    private static final int CLIENTS = 30;

    @Test
    void theDemoOnAClusterLimitsEachClientExactlyWithBucketsOnEveryMaster() throws Exception {
        assumeTrue(RedisClusterProcess.available(), () -> "skipped: " + RedisClusterProcess.unavailableReason());
        WebArchive war = ShrinkWrap.create(ZipImporter.class, "ratelimiter.war")
                .importFrom(new File(System.getProperty("it.war")))
                .as(WebArchive.class);
        try (RedisClusterProcess cluster =
                        RedisClusterProcess.start(3, 0, List.of("--cluster-require-full-coverage", "no"));
                SecondLibertyServer server = SecondLibertyServer.start(
                        "it-cluster",
                        war,
                        "api/status",
                        Map.of("RATELIMIT_REDIS_URL", cluster.seedUrl(), "RATELIMIT_REDIS_KEY_PREFIX", PREFIX))) {
            URL base = server.applicationUrl(war);

            for (int client = 0; client < CLIENTS; client++) {
                assertThat(orderStatuses("client-" + client, 3, base))
                        .as("client-%d", client)
                        .containsExactly(201, 201, 429);
            }
            Map<Integer, List<String>> bucketsByMaster = new HashMap<>();
            for (int port : cluster.masterPorts()) {
                try (Jedis master = admin(port)) {
                    bucketsByMaster.put(port, new ArrayList<>(master.keys(PREFIX + "*")));
                }
            }
            System.out.println("[figure] ClusterModeIT buckets by master: "
                    + bucketsByMaster.entrySet().stream()
                            .map(entry ->
                                    entry.getKey() + "=" + entry.getValue().size())
                            .toList());
            assertThat(bucketsByMaster.values())
                    .allSatisfy(buckets -> assertThat(buckets).isNotEmpty());
            assertThat(bucketsByMaster.values().stream().mapToInt(List::size).sum())
                    .isEqualTo(CLIENTS);
            assertThat(Http.applicationMetrics(base))
                    .containsPattern("(?m)^ratelimit_redis_breaker_state\\{[^}]*state=\"closed\"[^}]*} 3");

            int dead = cluster.masterPorts().get(0);
            // A client the hot-key shield holds no refusal for: the others on that master are still refused
            // locally until their retry-after, whatever happens to Redis.
            String onDeadMaster = freshClientOn(cluster, dead);
            cluster.kill(dead);

            String elsewhere = clientWhoseBucketIsOn(
                    bucketsByMaster.get(cluster.masterPorts().get(1)));
            assertThat(orderStatuses(onDeadMaster, 3, base)).containsOnly(503);
            assertThat(orderStatuses(elsewhere, 1, base)).containsExactly(429);
        }
    }

    private static List<Integer> orderStatuses(String client, int orders, URL base) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < orders; i++) {
            HttpResponse<String> response =
                    Http.post(base, "api/orders", "book", "X-Client-Id", client, "Content-Type", "text/plain");
            statuses.add(response.statusCode());
        }
        return statuses;
    }

    /** The client id at the end of a bucket key, {@code <prefix>{orders:<client>}}. */
    private static String freshClientOn(RedisClusterProcess cluster, int master) throws IOException {
        for (int i = 0; ; i++) {
            String client = "fresh-" + i;
            if (cluster.masterPortForKey(PREFIX + "{orders:" + client + "}") == master) {
                return client;
            }
        }
    }

    private static String clientWhoseBucketIsOn(List<String> buckets) {
        String key = buckets.get(0);
        return key.substring(key.indexOf(':', PREFIX.length()) + 1, key.length() - 1);
    }

    private static Jedis admin(int port) {
        return RedisServerProcess.adminClient(port, Duration.ofSeconds(2));
    }
}

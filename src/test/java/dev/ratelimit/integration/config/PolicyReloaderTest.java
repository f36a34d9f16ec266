package dev.ratelimit.integration.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.RateLimited;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.integration.http.MissingClientIdRule;
import dev.ratelimit.testsupport.LogCapture;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloads over a real MicroProfile Config (SmallRye Config) whose YAML file is edited between reloads, and
 * whose other source stands for anything else that can change.
 */
class PolicyReloaderTest {

    static class Orders {
        @RateLimited("orders")
        public void create() {}

        @RateLimited(value = "orders", cost = 2)
        public void bulk() {}
    }

    private static final List<Endpoint> ENDPOINTS = List.of(endpoint("create"), endpoint("bulk"));

    private static Endpoint endpoint(String method) {
        return Endpoints.of(Orders.class, method);
    }

    private static String orders(String capacity) {
        return "ratelimit:\n  policies:\n    orders:\n      capacity: " + capacity + "\n      refill-period: 1m\n";
    }

    @TempDir
    Path directory;

    private Path file;
    private final Map<String, String> other = new ConcurrentHashMap<>();
    private Config config;
    private RateLimitConfiguration deployed;
    private PolicyReloader reloader;

    @RegisterExtension
    final LogCapture log = LogCapture.of(PolicyReloader.class);

    @BeforeEach
    void deploy() throws IOException {
        file = directory.resolve("rate_limits.yaml");
        Files.writeString(file, orders("5"));
        deployWith(Map.of());
    }

    @AfterEach
    void stop() {
        reloader.close();
    }

    private void deployWith(Map<String, String> otherValues) {
        other.clear();
        other.putAll(otherValues);
        config = new SmallRyeConfigBuilder()
                .withSources(new YamlConfigSource(file), new MapConfigSource(other))
                .build();
        deployed = RateLimitConfiguration.read(config, ENDPOINTS);
        reloader = new PolicyReloader(config, ENDPOINTS, deployed);
    }

    private EndpointPolicy inForce(String method) {
        return deployed.endpointPolicies()
                .of(Orders.class, endpoint(method).method())
                .get(0);
    }

    private List<String> messages(Level level) {
        return log.records().stream()
                .filter(record -> record.getLevel().equals(level))
                .map(LogRecord::getMessage)
                .toList();
    }

    @Test
    void aValidChangeIsPutInForceForEveryMethodAndLoggedOldToNew() throws IOException {
        EndpointPolicy createBefore = inForce("create");
        Files.writeString(file, orders("3"));

        reloader.reload();

        assertThat(inForce("create").policy().limits().capacity()).isEqualTo(3);
        assertThat(inForce("bulk").policy().limits().capacity()).isEqualTo(3);
        assertThat(inForce("bulk").policy().cost())
                .as("the annotation's cost still applies")
                .isEqualTo(2);
        assertThat(messages(Level.INFO))
                .singleElement()
                .asString()
                .startsWith("Rate limit policies changed, old -> new:")
                .contains(
                        Orders.class.getName() + "#bulk: ",
                        Orders.class.getName() + "#create: " + createBefore + " -> " + inForce("create"))
                .contains("capacity=5", "capacity=3");
    }

    @Test
    void everyPropertyOfAPolicyIsReloaded() throws IOException {
        Files.writeString(file, orders("5") + """
                      refill-tokens: 2
                      failure-mode: closed
                      client-id: remote-address
                      missing-client-id: anonymous
                      mode: shadow
                      bands:
                        hourly:
                          capacity: 100
                          refill-period: 1h
                """);
        other.put(Orders.class.getName() + "/create/RateLimited/cost", "4");

        reloader.reload();

        EndpointPolicy create = inForce("create");
        assertThat(create.policy().limits().refillTokens()).isEqualTo(2);
        assertThat(create.policy().cost()).isEqualTo(4);
        assertThat(create.policy().failureMode()).isEqualTo(FailureMode.CLOSED);
        assertThat(create.policy().extraBands()).hasSize(1);
        assertThat(create.clientIdSource()).hasToString("remote-address");
        assertThat(create.missingClientId()).isEqualTo(MissingClientIdRule.ANONYMOUS);
        assertThat(create.mode()).isEqualTo(Mode.SHADOW);

        other.put("ratelimit.mode", "off");
        reloader.reload();

        assertThat(inForce("create").mode()).as("capped by the global mode").isEqualTo(Mode.OFF);
    }

    @Test
    void anInvalidChangeIsLoggedOnceAsAtDeploymentAndTheOldPoliciesStay() throws IOException {
        EndpointPolicy before = inForce("create");
        Files.writeString(file, orders("0"));

        reloader.reload();
        reloader.reload();

        assertThat(inForce("create")).isSameAs(before);
        assertThat(messages(Level.SEVERE))
                .singleElement()
                .asString()
                .contains("the policies in force stay")
                .contains("Invalid rate limit configuration for " + Orders.class.getName()
                        + "#create: ratelimit.policies.orders.capacity=0: ");

        Files.writeString(file, orders("lots"));
        reloader.reload();

        assertThat(messages(Level.SEVERE))
                .as("a different problem is logged")
                .hasSize(2)
                .last()
                .asString()
                .contains("ratelimit.policies.orders.capacity=lots: not a whole number");
        assertThat(inForce("create")).isSameAs(before);

        Files.writeString(file, orders("4"));
        reloader.reload();

        assertThat(inForce("create").policy().limits().capacity()).isEqualTo(4);
        assertThat(messages(Level.INFO)).first().asString().isEqualTo("The rate limit configuration is valid again");
    }

    @Test
    void anUnchangedConfigurationReplacesNothing() throws IOException {
        EndpointPolicy before = inForce("create");
        Files.writeString(file, "# rewritten, same keys\n" + orders("5"));

        reloader.reload();
        reloader.reload();

        assertThat(inForce("create")).isSameAs(before);
        assertThat(log.records()).isEmpty();
    }

    @Test
    void aYamlSyntaxErrorKeepsTheFilesOldValuesAndTheOldPolicies() throws IOException {
        EndpointPolicy before = inForce("create");
        Files.writeString(file, "ratelimit:\n  policies: [\n");

        reloader.reload();
        reloader.reload();

        assertThat(inForce("create")).isSameAs(before);
        assertThat(config.getValue("ratelimit.policies.orders.capacity", String.class))
                .isEqualTo("5");
        assertThat(messages(Level.SEVERE))
                .singleElement()
                .asString()
                .contains(file + " is not valid YAML", "line 3, column 1");
    }

    @Test
    void aDeletedFileKeepsTheOldPolicies() throws IOException {
        EndpointPolicy before = inForce("create");
        Files.delete(file);

        reloader.reload();

        assertThat(inForce("create")).isSameAs(before);
        assertThat(messages(Level.SEVERE)).singleElement().asString().contains(file + ", which cannot be read");
    }

    @Test
    void keysAreCheckedAsAtDeployment() throws IOException {
        Files.writeString(file, orders("5") + "      refil-tokens: 3\n");

        reloader.reload();

        assertThat(messages(Level.SEVERE))
                .singleElement()
                .asString()
                .contains("unknown key ratelimit.policies.orders.refil-tokens");
    }

    @Test
    void methodsSharingAPolicyMustStillShareItsLimits() {
        other.put(Orders.class.getName() + "/bulk/RateLimited/capacity", "7");

        reloader.reload();

        assertThat(inForce("bulk").policy().limits().capacity()).isEqualTo(5);
        assertThat(messages(Level.SEVERE)).singleElement().asString().contains("policy 'orders' is shared by");
    }

    @Test
    void aChangedSharedSettingIsNotReloadedButSaidOnceToNeedARestart() {
        other.put("ratelimit.redis.url", "redis://redis.internal:6380");
        other.put("ratelimit.redis.password", "s3cret");

        reloader.reload();
        reloader.reload();

        assertThat(messages(Level.SEVERE)).isEmpty();
        assertThat(messages(Level.WARNING))
                .singleElement()
                .asString()
                .startsWith("Changed ratelimit.redis.url, ratelimit.redis.password: ")
                .contains("takes effect when the application restarts")
                .doesNotContain("s3cret");
        assertThat(messages(Level.INFO)).isEmpty();
    }

    @Test
    void anAllowedUnusedPolicyIsWarnedOfOnlyWhenItIsNew() {
        deployWith(Map.of("ratelimit.allow-unused-policies", "true", "ratelimit.policies.billing.capacity", "5"));
        assertThat(deployed.warnings()).singleElement().asString().startsWith("policy 'billing' is configured");

        reloader.reload();
        assertThat(log.records()).isEmpty();

        other.put("ratelimit.policies.refunds.capacity", "5");
        reloader.reload();
        assertThat(messages(Level.WARNING))
                .hasSize(2)
                .anySatisfy(w -> assertThat(w).contains("policy 'refunds'"));
    }

    @Test
    void aZeroIntervalStartsNoThread() {
        deployWith(Map.of("ratelimit.reload-interval", "0"));

        reloader.start();

        assertThat(reloadThreads()).isEmpty();
    }

    @Test
    void theThreadReloadsEveryIntervalUntilClosed() throws Exception {
        deployWith(Map.of("ratelimit.reload-interval", "50ms"));
        reloader.start();
        Thread thread = reloadThreads().get(0);
        assertThat(reloadThreads()).containsExactly(thread);
        assertThat(thread.isDaemon()).isTrue();

        Files.writeString(file, orders("2"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (inForce("create").policy().limits().capacity() != 2 && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        assertThat(inForce("create").policy().limits().capacity()).isEqualTo(2);

        reloader.close();
        thread.join(TimeUnit.SECONDS.toMillis(5));
        assertThat(thread.isAlive()).isFalse();
    }

    private static List<Thread> reloadThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals(PolicyReloader.THREAD_NAME) && thread.isAlive())
                .toList();
    }

    /** A source whose values the test changes while the configuration is in use. */
    private record MapConfigSource(Map<String, String> values) implements ConfigSource {
        @Override
        public Set<String> getPropertyNames() {
            return values.keySet();
        }

        @Override
        public String getValue(String propertyName) {
            return values.get(propertyName);
        }

        @Override
        public String getName() {
            return "changing";
        }

        @Override
        public int getOrdinal() {
            return 300;
        }
    }
}

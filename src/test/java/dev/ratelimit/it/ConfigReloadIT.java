package dev.ratelimit.it;

import static dev.ratelimit.it.Http.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * A running Liberty reads its mounted YAML file again: a lowered capacity is in force within moments, buckets
 * keep the tokens they had, and an invalid edit is logged and changes nothing. A server of its own, since the
 * file is named by an environment variable, as a container names it, and would be every other test's file too.
 */
class ConfigReloadIT {

    private static final String CATALOG = "api/catalog";
    private static final Duration RELOAD_INTERVAL = Duration.ofSeconds(1);
    /** The interval, a re-read of a file just written, and a loaded 2-core host. */
    private static final Duration TAKES_EFFECT_WITHIN = Duration.ofSeconds(15);

    private static final String CATALOG_ENDPOINT = "dev.ratelimit.demo.CatalogResource#";

    private static String policies(String catalogCapacity) {
        return """
                ratelimit:
                  policies:
                    catalog:
                      capacity: %s
                      refill-tokens: 1
                      refill-period: 1h
                    orders:
                      capacity: 5
                    search:
                      capacity: 10
                """.formatted(catalogCapacity);
    }

    @Test
    void aLoweredCapacityTakesEffectWithoutARedeployAndAnInvalidOneChangesNothing() throws Exception {
        Path file = Files.createTempFile("rate_limits", ".yaml");
        Files.writeString(file, policies("5"));
        WebArchive war = DemoDeployment.withProbes("ratelimiter-reload", Map.of());
        Path log;
        try (SecondLibertyServer server = SecondLibertyServer.start(
                "it-reload",
                war,
                "api/status",
                Map.of(
                        "RATELIMIT_CONFIG_FILE",
                        file.toString(),
                        "RATELIMIT_RELOAD_INTERVAL",
                        RELOAD_INTERVAL.toMillis() + "ms"))) {
            URL base = server.applicationUrl(war);
            log = server.messagesLog();
            assertThat(allowedBeforeRefusal(base, newClient(), 10))
                    .as("capacity at deployment")
                    .isEqualTo(5);
            String halfSpent = newClient();
            for (int i = 0; i < 4; i++) {
                assertThat(catalog(base, halfSpent).statusCode()).isEqualTo(200);
            }

            Files.writeString(file, policies("3"));

            awaitCapacity(base, 3);
            assertThat(allowedBeforeRefusal(base, newClient(), 10))
                    .as("capacity after the edit")
                    .isEqualTo(3);
            assertThat(allowedBeforeRefusal(base, halfSpent, 10))
                    .as("the token a bucket had left")
                    .isEqualTo(1);
            assertThat(Files.readString(log))
                    .contains("Rate limit policies changed, old -> new:", CATALOG_ENDPOINT, "capacity=5", "capacity=3");

            long logLength = Files.size(log);
            Files.writeString(file, policies("0"));

            await(
                    () -> logSince(log, logLength).contains("Invalid rate limit configuration for " + CATALOG_ENDPOINT),
                    "the invalid capacity is logged");
            assertThat(logSince(log, logLength))
                    .contains("ratelimit.policies.catalog.capacity=0", "the policies in force stay");
            assertThat(allowedBeforeRefusal(base, newClient(), 10))
                    .as("capacity after an invalid edit")
                    .isEqualTo(3);
        } finally {
            Files.delete(file);
        }
        assertThat(Files.readString(log))
                .as("the thread stops with the application")
                .contains("Rate limit policies are no longer read again");
    }

    private static String newClient() {
        return "client-" + UUID.randomUUID();
    }

    private static HttpResponse<String> catalog(URL base, String client) {
        return Http.get(base, CATALOG, CLIENT_ID, client);
    }

    /** Calls until refused, at most {@code limit} times; how many were allowed. */
    private static int allowedBeforeRefusal(URL base, String client, int limit) {
        for (int allowed = 0; allowed < limit; allowed++) {
            int status = catalog(base, client).statusCode();
            if (status == 429) {
                return allowed;
            }
            assertThat(status).isEqualTo(200);
        }
        return limit;
    }

    /** A new client's first call tells the capacity in force, in its RateLimit-Policy header. */
    private static void awaitCapacity(URL base, int capacity) throws Exception {
        await(
                () -> catalog(base, newClient())
                        .headers()
                        .firstValue("RateLimit-Policy")
                        .orElse("")
                        .startsWith("\"catalog\";q=" + capacity + ";"),
                "capacity " + capacity + " in force");
    }

    private static String logSince(Path log, long length) {
        try {
            byte[] bytes = Files.readAllBytes(log);
            return new String(
                    bytes,
                    (int) Math.min(length, bytes.length),
                    (int) Math.max(0, bytes.length - length),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TAKES_EFFECT_WITHIN.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline)
                    .as(what + " within " + TAKES_EFFECT_WITHIN)
                    .isNegative();
            TimeUnit.MILLISECONDS.sleep(200);
        }
    }
}

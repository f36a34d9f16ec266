package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.ClientId;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.LimiterUnavailableException;
import dev.ratelimit.core.RateLimitDecider;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.core.Verdict;
import dev.ratelimit.local.LocalRateLimiter;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.RedisServerProcess;
import dev.ratelimit.testsupport.TestCertificates;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;

/**
 * The limiter over {@code rediss://} against real redis-server processes with TLS, certificates made at test
 * time, and an ACL user that may do no more than the limiter needs.
 */
class RedisTlsTest {

    private static final String LIMITER_USER = "limiter";
    private static final String LIMITER_PASSWORD = "lim1ter-Pa55-correct-horse";
    private static final String ADMIN_PASSWORD = "adm1n-Pa55-battery-staple";
    /**
     * No more than the limiter needs: its script (EVAL after NOSCRIPT), the commands the script calls, keys
     * under its prefix. Jedis carries on when CLIENT SETNAME is refused.
     */
    private static final String LIMITER_RIGHTS = "~ratelimit:* +evalsha +eval +get +set +time";

    private static final RateLimitPolicy ONE_PER_HOUR =
            new RateLimitPolicy("tls", new BucketLimits(1, 1, Duration.ofHours(1)), 1, FailureMode.CLOSED);

    private static TestCertificates certificates;
    private static TlsRedis server;
    private static TlsRedis ipOnlyServer;
    private static String prefix;

    /** A redis-server answering TLS on {@code tlsPort}, and plain text on {@code port} for setting it up. */
    private record TlsRedis(RedisServerProcess process, int tlsPort) {

        static TlsRedis start(Path certificate, Path key) throws IOException {
            int tlsPort = RedisServerProcess.freePort();
            Path executable = RedisFixture.redisServerOnPath();
            try {
                return new TlsRedis(
                        RedisServerProcess.start(
                                executable,
                                RedisServerProcess.freePort(),
                                List.of(
                                        "--tls-port",
                                        Integer.toString(tlsPort),
                                        "--tls-cert-file",
                                        certificate.toString(),
                                        "--tls-key-file",
                                        key.toString(),
                                        "--tls-ca-cert-file",
                                        certificates.caCertificate().toString(),
                                        "--tls-auth-clients",
                                        "no")),
                        tlsPort);
            } catch (IOException e) {
                assumeTrue(
                        !e.getMessage().contains("Bad directive"),
                        () -> "skipped: " + executable + " was built without TLS support: " + e.getMessage());
                throw e;
            }
        }

        String url(String host) {
            return "rediss://" + host + ":" + tlsPort;
        }
    }

    @BeforeAll
    static void startServers() throws IOException {
        String missing = TestCertificates.unavailableReason();
        assumeTrue(missing == null, () -> "skipped: cannot make test certificates: " + missing);
        assumeTrue(RedisFixture.redisServerOnPath() != null, "skipped: no redis-server on the PATH to start with TLS");
        certificates = TestCertificates.shared();
        server = TlsRedis.start(certificates.serverCertificate(), certificates.serverKey());
        ipOnlyServer = TlsRedis.start(certificates.ipOnlyServerCertificate(), certificates.ipOnlyServerKey());
        try (Jedis setup = new Jedis("127.0.0.1", server.process().port())) {
            setup.aclSetUser(LIMITER_USER, ("on >" + LIMITER_PASSWORD + " " + LIMITER_RIGHTS).split(" "));
            setup.aclSetUser("default", "on", ">" + ADMIN_PASSWORD);
        }
        prefix = "ratelimit:" + UUID.randomUUID() + ":";
    }

    @AfterAll
    static void stopServers() {
        for (TlsRedis started : new TlsRedis[] {server, ipOnlyServer}) {
            if (started != null) {
                started.process().close();
            }
        }
    }

    private static RedisSettings.Builder settings(String url) {
        return RedisSettings.builder()
                .url(url)
                .keyPrefix(prefix)
                .poolSize(1)
                .connectTimeout(Duration.ofSeconds(2))
                .commandTimeout(Duration.ofSeconds(2));
    }

    /** Settings trusting the test CA. */
    private static RedisSettings.Builder trusting(String url) {
        return settings(url)
                .truststore(certificates.pkcs12Truststore(), TestCertificates.TRUSTSTORE_PASSWORD.toCharArray(), null);
    }

    private static LimiterUnavailableException refusal(RedisSettings settings) {
        try (RedisRateLimiter limiter = RedisRateLimiter.connect(settings)) {
            LimiterUnavailableException e = catchThrowableOfType(
                    LimiterUnavailableException.class, () -> limiter.acquire(ONE_PER_HOUR, ClientId.of("refused")));
            assertThat(e).as("acquire refused with LimiterUnavailableException").isNotNull();
            return e;
        }
    }

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({"localhost, PKCS12", "127.0.0.1, JKS"})
    void decidesOverTlsAsTheAclUserTrustingTheTruststore(String host, String truststore) {
        Path file = truststore.equals("JKS") ? certificates.jksTruststore() : certificates.pkcs12Truststore();
        RedisSettings settings = settings(server.url(host))
                .user(LIMITER_USER)
                .password(LIMITER_PASSWORD)
                .truststore(file, TestCertificates.TRUSTSTORE_PASSWORD.toCharArray(), null)
                .build();
        String client = "alice-" + truststore;

        try (RedisRateLimiter limiter = RedisRateLimiter.connect(settings)) {
            assertThat(limiter.acquire(ONE_PER_HOUR, ClientId.of(client)).allowed())
                    .isTrue();
            assertThat(limiter.acquire(ONE_PER_HOUR, ClientId.of(client)).allowed())
                    .isFalse();
        }
        try (RedisClient admin = new RedisClient.Builder()
                .hostAndPort(new HostAndPort("127.0.0.1", server.process().port()))
                .clientConfig(DefaultJedisClientConfig.builder()
                        .password(ADMIN_PASSWORD)
                        .build())
                .build()) {
            assertThat(admin.exists(prefix + "{tls:" + client + "}")).isTrue();
        }
    }

    @Test
    void aServerCertificateFromAnotherAuthorityIsRefusedAndThePolicyFailureModeApplies() {
        RedisSettings settings = settings(server.url("localhost"))
                .user(LIMITER_USER)
                .password(LIMITER_PASSWORD)
                .truststore(
                        certificates.untrustingTruststore(), TestCertificates.TRUSTSTORE_PASSWORD.toCharArray(), null)
                .build();

        assertThat(refusal(settings)).hasStackTraceContaining("SSLHandshakeException");
        try (RateLimitDecider limiter =
                new RateLimitDecider(RedisRateLimiter.connect(settings), new LocalRateLimiter(1, 10))) {
            Verdict verdict = limiter.decide(ONE_PER_HOUR, ClientId.of("refused"));
            assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.FAILED_CLOSED);
        }
    }

    @Test
    void withoutATruststoreTheJvmTrustStoreApplies() {
        RedisSettings settings = settings(server.url("localhost"))
                .user(LIMITER_USER)
                .password(LIMITER_PASSWORD)
                .build();

        assertThat(refusal(settings)).hasStackTraceContaining("SSLHandshakeException");
    }

    @Test
    void theHostNameIsVerified() {
        // The certificate names 127.0.0.1 only: trusted at that address, refused under another name.
        try (RedisRateLimiter byAddress =
                RedisRateLimiter.connect(trusting(ipOnlyServer.url("127.0.0.1")).build())) {
            assertThat(byAddress
                            .acquire(ONE_PER_HOUR, ClientId.of("by-address"))
                            .allowed())
                    .isTrue();
        }

        assertThat(refusal(trusting(ipOnlyServer.url("localhost")).build()))
                .hasStackTraceContaining("No name matching localhost");
    }

    @Test
    void aWrongPasswordIsRefusedAndShownNowhere() {
        String wrong = "wr0ng-Pa55-" + UUID.randomUUID();
        RedisSettings settings = trusting(server.url("localhost"))
                .user(LIMITER_USER)
                .password(wrong)
                .build();
        List<String> logged = new ArrayList<>();

        Verdict verdict;
        try (RateLimitDecider limiter =
                new RateLimitDecider(RedisRateLimiter.connect(settings), new LocalRateLimiter(1, 10))) {
            verdict = whileLogging(logged, () -> limiter.decide(ONE_PER_HOUR, ClientId.of("refused")));
        }

        LimiterUnavailableException e = verdict.failure().orElseThrow();
        assertThat(e).hasStackTraceContaining("WRONGPASS");
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertThat(List.of(
                        e.getMessage(),
                        e.toString(),
                        trace.toString(),
                        settings.toString(),
                        verdict.toString(),
                        String.join("\n", logged)))
                .allSatisfy(text ->
                        assertThat(text).doesNotContain(wrong).doesNotContain(TestCertificates.TRUSTSTORE_PASSWORD));
    }

    /** Runs the action with every log record of Jedis, at every level, added to {@code logged}. */
    private static <T> T whileLogging(List<String> logged, Supplier<T> action) {
        Logger jedis = Logger.getLogger("redis.clients");
        Level level = jedis.getLevel();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                StringWriter thrown = new StringWriter();
                if (record.getThrown() != null) {
                    record.getThrown().printStackTrace(new PrintWriter(thrown));
                }
                logged.add(record.getMessage() + " " + Arrays.toString(record.getParameters()) + " " + thrown);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        jedis.setLevel(Level.ALL);
        jedis.addHandler(capture);
        try {
            return action.get();
        } finally {
            jedis.removeHandler(capture);
            jedis.setLevel(level);
        }
    }
}

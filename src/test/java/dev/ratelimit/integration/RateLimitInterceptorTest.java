package dev.ratelimit.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ratelimit.ClientIdResolver;
import dev.ratelimit.RateLimitBuckets;
import dev.ratelimit.RateLimited;
import dev.ratelimit.core.ClientIdSecret;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.integration.http.AppliedDecision;
import dev.ratelimit.integration.http.RateLimitRejection;
import dev.ratelimit.testsupport.MetricLabels;
import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.TcpProxy;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.jboss.weld.junit.MockBean;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.RedisClient;

/**
 * The interceptor in a real CDI container (Weld SE) deciding with a real Redis, without Liberty: the tier
 * that runs in a second. The HTTP request and the metric registry are fakes; the Redis sits behind a proxy
 * the tests cut to make Redis fail.
 */
@EnableWeld
class RateLimitInterceptorTest {

    private static final String CLIENT_HEADER = "X-Client-Id";
    /** Set for every test here: no test may find a raw id in a Redis key. */
    private static final String CLIENT_ID_SECRET = "interceptor-test-client-id-secret-0123456789";

    private static final String KEY_PREFIX = "interceptor-test-" + UUID.randomUUID() + ":";
    private static final String PLAN_HEADER = "X-Plan";
    private static TcpProxy redisProxy;
    private static ClassLoader registeredFor;

    @ApplicationScoped
    static class Probe {

        private final AtomicInteger runs = new AtomicInteger();

        /** How many calls ran the method body; read through the container's proxy. */
        public int runs() {
            return runs.get();
        }

        @RateLimited("probe")
        public String limited() {
            return "run " + runs.incrementAndGet();
        }

        @RateLimited("probe-open")
        public String failOpen() {
            return "run " + runs.incrementAndGet();
        }

        @RateLimited("probe-closed")
        public String failClosed() {
            return "run " + runs.incrementAndGet();
        }

        @RateLimited("probe-anonymous")
        public String anonymous() {
            return "run " + runs.incrementAndGet();
        }

        @RateLimited("probe-everyone")
        public String everyone() {
            return "run " + runs.incrementAndGet();
        }

        @RateLimited("probe-everyone")
        public String everyoneToo() {
            return "run " + runs.incrementAndGet();
        }

        @RateLimited("probe-joint-client")
        @RateLimited("probe-joint-everyone")
        @RateLimited("probe-joint-shadow")
        public String perClientAndOverall() {
            return "run " + runs.incrementAndGet();
        }

        @RateLimited("probe-disabled")
        public String disabled() {
            return "run " + runs.incrementAndGet();
        }

        @RateLimited("probe-shadow")
        public String shadow() {
            return "run " + runs.incrementAndGet();
        }

        @RateLimited("probe-bands")
        public String banded() {
            return "run " + runs.incrementAndGet();
        }

        /** Its own policy: the inline capacity 50 loses to the method-level key, which says 1. */
        @RateLimited(capacity = 50, refillPeriod = "1h")
        public String inline() {
            return "run " + runs.incrementAndGet();
        }

        public String unlimited() {
            return "run " + runs.incrementAndGet();
        }

        @RateLimited("probe-tiers")
        public String tiered() {
            return "run " + runs.incrementAndGet();
        }

        @RateLimited("probe-roles")
        public String byRole() {
            return "run " + runs.incrementAndGet();
        }
    }

    /** Limited as a whole class: each method is its own policy. */
    @ApplicationScoped
    @RateLimited(capacity = 2, refillPeriod = "1h")
    static class ClassLimitedProbe {

        public String first() {
            return "first";
        }

        public String second() {
            return "second";
        }
    }

    /** The library's beans, as the application's deployment discovers them. */
    private static final Class<?>[] LIBRARY_BEANS = {
        RateLimitInterceptor.class,
        RateLimiterProducer.class,
        ClientIds.class,
        CallerTiers.class,
        RateLimitMetrics.class,
        DecisionLog.class,
        RedisAtStartup.class,
        PolicyBuckets.class
    };

    private final FakeRequest request = new FakeRequest();
    private final CountingMetricRegistry metrics = new CountingMetricRegistry();

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
                    .addExtension(new RateLimitExtension())
                    .addBeanClasses(LIBRARY_BEANS)
                    .addBeanClasses(Probe.class, ClassLimitedProbe.class))
            .addBeans(
                    MockBean.of(request.asServletRequest(), HttpServletRequest.class),
                    MockBean.of(metrics.asRegistry(), MetricRegistry.class))
            .build();

    @Inject
    Probe probe;

    @Inject
    ClassLimitedProbe classLimitedProbe;

    @Inject
    RateLimitBuckets buckets;

    @BeforeAll
    static void configure() throws Exception {
        URI redis = RedisFixture.shared().url();
        redisProxy = TcpProxy.start(redis.getHost(), redis.getPort());
        Map<String, String> config = Map.ofEntries(
                Map.entry("ratelimit.redis.url", "redis://127.0.0.1:" + redisProxy.port()),
                Map.entry("ratelimit.redis.command-timeout", "2s"),
                Map.entry("ratelimit.redis.connect-timeout", "2s"),
                Map.entry("ratelimit.redis.key-prefix", KEY_PREFIX),
                Map.entry("ratelimit.client-id-secret", CLIENT_ID_SECRET),
                Map.entry("ratelimit.policies.probe.capacity", "2"),
                Map.entry("ratelimit.policies.probe.refill-period", "1h"),
                Map.entry("ratelimit.policies.probe-open.capacity", "100"),
                Map.entry("ratelimit.policies.probe-open.failure-mode", "open"),
                Map.entry("ratelimit.policies.probe-closed.capacity", "100"),
                Map.entry("ratelimit.policies.probe-closed.failure-mode", "closed"),
                Map.entry("ratelimit.policies.probe-anonymous.capacity", "1"),
                Map.entry("ratelimit.policies.probe-anonymous.refill-period", "1h"),
                Map.entry("ratelimit.policies.probe-anonymous.missing-client-id", "anonymous"),
                Map.entry("ratelimit.policies.probe-everyone.capacity", "3"),
                Map.entry("ratelimit.policies.probe-everyone.refill-period", "1h"),
                Map.entry("ratelimit.policies.probe-everyone.client-id", "none"),
                Map.entry("ratelimit.policies.probe-joint-client.capacity", "2"),
                Map.entry("ratelimit.policies.probe-joint-client.refill-period", "1h"),
                Map.entry("ratelimit.policies.probe-joint-everyone.capacity", "3"),
                Map.entry("ratelimit.policies.probe-joint-everyone.refill-period", "1h"),
                Map.entry("ratelimit.policies.probe-joint-everyone.client-id", "none"),
                Map.entry("ratelimit.policies.probe-joint-shadow.capacity", "1"),
                Map.entry("ratelimit.policies.probe-joint-shadow.refill-period", "1h"),
                Map.entry("ratelimit.policies.probe-joint-shadow.mode", "shadow"),
                Map.entry("ratelimit.policies.probe-disabled.capacity", "1"),
                Map.entry("ratelimit.policies.probe-disabled.mode", "off"),
                Map.entry("ratelimit.policies.probe-shadow.capacity", "1"),
                Map.entry("ratelimit.policies.probe-shadow.refill-period", "1h"),
                Map.entry("ratelimit.policies.probe-shadow.mode", "shadow"),
                Map.entry("ratelimit.policies.probe-bands.capacity", "5"),
                Map.entry("ratelimit.policies.probe-bands.refill-period", "1s"),
                Map.entry("ratelimit.policies.probe-bands.bands.hourly.capacity", "2"),
                Map.entry("ratelimit.policies.probe-bands.bands.hourly.refill-period", "1h"),
                Map.entry("ratelimit.policies.probe-tiers.capacity", "2"),
                Map.entry("ratelimit.policies.probe-tiers.refill-period", "1h"),
                Map.entry("ratelimit.policies.probe-tiers.tier", "header:" + PLAN_HEADER),
                Map.entry("ratelimit.policies.probe-tiers.tiers.premium.capacity", "4"),
                Map.entry("ratelimit.policies.probe-tiers.tiers.internal.unlimited", "true"),
                Map.entry("ratelimit.policies.probe-tiers.exempt-clients", "monitor-1, monitor-2"),
                Map.entry("ratelimit.policies.probe-tiers.exempt-networks", "192.0.2.0/24"),
                Map.entry("ratelimit.policies.probe-roles.capacity", "1"),
                Map.entry("ratelimit.policies.probe-roles.refill-period", "1h"),
                Map.entry("ratelimit.policies.probe-roles.tier", "role"),
                Map.entry("ratelimit.policies.probe-roles.tiers.gold.capacity", "3"),
                Map.entry("ratelimit.policies.probe-roles.tiers.silver.capacity", "2"),
                Map.entry(Probe.class.getName() + "/inline/RateLimited/capacity", "1"));
        Config built = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(config, "RateLimitInterceptorTest", 500))
                .build();
        ConfigProviderResolver resolver = ConfigProviderResolver.instance();
        registeredFor = Thread.currentThread().getContextClassLoader();
        resolver.releaseConfig(resolver.getConfig(registeredFor));
        resolver.registerConfig(built, registeredFor);
    }

    @AfterAll
    static void release() throws Exception {
        ConfigProviderResolver resolver = ConfigProviderResolver.instance();
        resolver.releaseConfig(resolver.getConfig(registeredFor));
        redisProxy.close();
    }

    @AfterEach
    void restoreRedis() throws Exception {
        redisProxy.mode(TcpProxy.Mode.FORWARD);
    }

    /** The next calls come from a client no other test uses. */
    private void newClient() {
        request.reset();
        request.header(CLIENT_HEADER, "client-" + UUID.randomUUID());
    }

    private AppliedDecision appliedDecision() {
        return (AppliedDecision) request.attribute(AppliedDecision.REQUEST_ATTRIBUTE);
    }

    private Long decisions(String policy, String outcome) {
        return metrics.count("ratelimit.decisions", "policy", policy, "outcome", outcome);
    }

    private Long tierDecisions(String policy, String tier, String outcome) {
        return metrics.count("ratelimit.tier.decisions", "policy", policy, "tier", tier, "outcome", outcome);
    }

    /** How many calls run before the first refusal, of at most {@code most}: what the caller's bucket held. */
    private static int runsBeforeRefusal(Runnable call, int most) {
        for (int runs = 0; runs < most; runs++) {
            try {
                call.run();
            } catch (RateLimitRejection refused) {
                assertThat(refused.getResponse().getStatus()).isEqualTo(429);
                return runs;
            }
        }
        return most;
    }

    private static RateLimitRejection rejectionOf(Runnable call) {
        RateLimitRejection rejection = catchThrowableOfType(RateLimitRejection.class, call::run);
        assertThat(rejection).as("the call is refused").isNotNull();
        return rejection;
    }

    @Test
    void aClientsBucketIsReadAndFilledAgainByTheIdItsRequestsCarry() {
        String id = "support-" + UUID.randomUUID();
        request.reset();
        request.header(CLIENT_HEADER, id);
        probe.limited();
        probe.limited();
        rejectionOf(probe::limited);

        assertThat(buckets.state("probe", id).own().tokens()).isZero();
        buckets.reset("probe", " " + id + " ");

        assertThat(buckets.state("probe", id).full()).isTrue();
        assertThat(probe.limited()).startsWith("run");
    }

    @Test
    void aPolicyNoMethodUsesOrABlankIdIsRefusedNamingIt() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> buckets.reset("porbe", "alice"))
                .withMessageContaining("'porbe'")
                .withMessageContaining("probe-open");
        assertThatIllegalArgumentException().isThrownBy(() -> buckets.state("probe", "  "));
    }

    @Test
    void allowedCallsRunAndHandTheirDecisionToTheResponseFilter() {
        newClient();

        assertThat(probe.limited()).isEqualTo("run 1");
        assertThat(appliedDecision().decision().remaining()).isEqualTo(1);
        assertThat(appliedDecision().reportedPolicy().name()).isEqualTo("probe");
        assertThat(probe.limited()).isEqualTo("run 2");
        assertThat(appliedDecision().decision().remaining()).isZero();
    }

    @Test
    void aDeniedCallNeverRunsAndGets429WithRetryAfter() {
        newClient();
        probe.limited();
        probe.limited();
        int runsBefore = probe.runs();

        RateLimitRejection rejection = rejectionOf(probe::limited);

        assertThat(probe.runs()).isEqualTo(runsBefore);
        assertThat(rejection.getResponse().getStatus()).isEqualTo(429);
        assertThat(rejection.getResponse().getHeaderString("Retry-After")).isNotBlank();
        assertThat(appliedDecision().decision().allowed()).isFalse();
        assertThat(decisions("probe", "blocked")).isEqualTo(1);
    }

    @Test
    void aRefusalTheShieldAnswersWithoutRedisIsCountedForItsPolicy() {
        newClient();
        probe.limited();
        probe.limited();
        Long before = metrics.count("ratelimit.redis.shield.answers", "policy", "probe");
        rejectionOf(probe::limited);
        rejectionOf(probe::limited);

        assertThat(metrics.count("ratelimit.redis.shield.answers", "policy", "probe"))
                .as("Redis refused the first, the shield the second")
                .isEqualTo(before + 1);
    }

    @Test
    void eachClientHasItsOwnBucket() {
        newClient();
        probe.limited();
        probe.limited();
        rejectionOf(probe::limited);

        newClient();

        assertThat(probe.limited()).startsWith("run");
    }

    @Test
    void aCallWithoutClientIdGets400AndNeverRuns() {
        request.reset();

        RateLimitRejection rejection = rejectionOf(probe::limited);

        assertThat(probe.runs()).isZero();
        assertThat(rejection.getResponse().getStatus()).isEqualTo(400);
        assertThat(rejection.getMessage()).contains("probe", "the request header X-Client-Id");
        assertThat(decisions("probe", "unidentified")).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t", " \t  "})
    void aBlankIdIsNoIdAndGets400(String blank) {
        request.reset();
        request.header(CLIENT_HEADER, blank);

        RateLimitRejection rejection = rejectionOf(probe::limited);

        assertThat(rejection.getResponse().getStatus()).isEqualTo(400);
        assertThat(rejection.getMessage()).contains("Missing client id");
    }

    @Test
    void withAClientIdSecretTheRedisKeyHoldsTheKeyedHashAndNoTraceOfTheId() {
        String email = "client-" + UUID.randomUUID() + "@example.com";
        request.reset();
        request.header(CLIENT_HEADER, email);

        probe.limited();

        try (RedisClient redis = RedisFixture.shared().client()) {
            assertThat(redis.exists(KEY_PREFIX + "{probe:"
                            + ClientIdSecret.of(CLIENT_ID_SECRET).idOf(email).value() + "}"))
                    .isTrue();
            assertThat(redis.keys(KEY_PREFIX + "*"))
                    .isNotEmpty()
                    .noneSatisfy(key -> assertThat(key).containsAnyOf(email, "example.com", "client-"));
        }
    }

    @Test
    void underTheAnonymousRuleCallersWithoutIdOrWithABlankOneShareOneBucket() {
        request.reset();
        request.header(CLIENT_HEADER, "  ");
        String first = probe.anonymous();
        request.reset();

        RateLimitRejection second = rejectionOf(probe::anonymous);

        assertThat(first).isEqualTo("run 1");
        assertThat(second.getResponse().getStatus()).isEqualTo(429);
    }

    @Test
    void aMethodOfSeveralPoliciesRunsOnlyWhenEveryEnforcedOneAdmitsTheCallAndTheRefusingOneIsNamed() {
        String first = "joint-" + UUID.randomUUID();
        request.reset();
        request.header(CLIENT_HEADER, first);
        probe.perClientAndOverall();
        probe.perClientAndOverall();
        assertThat(appliedDecision().policies())
                .extracting(RateLimitPolicy::name)
                .containsExactly("probe-joint-client", "probe-joint-everyone");
        RateLimitRejection overOwnLimit = rejectionOf(probe::perClientAndOverall);
        String second = "joint-" + UUID.randomUUID();
        request.reset();
        request.header(CLIENT_HEADER, second);
        probe.perClientAndOverall();
        RateLimitRejection overEndpointLimit = rejectionOf(probe::perClientAndOverall);

        assertThat(overOwnLimit.getResponse().getStatus()).isEqualTo(429);
        assertThat(overOwnLimit.getMessage()).contains("'probe-joint-client'");
        assertThat(overEndpointLimit.getResponse().getStatus()).isEqualTo(429);
        assertThat(overEndpointLimit.getMessage()).contains("'probe-joint-everyone'");
        assertThat(appliedDecision().reportedPolicy().name()).isEqualTo("probe-joint-everyone");
        assertThat(buckets.state("probe-joint-client", first).own().tokens()).isZero();
        assertThat(buckets.state("probe-joint-client", second).own().tokens())
                .as("the endpoint's refusal took nothing from the second client's bucket")
                .isEqualTo(1);
        assertThat(decisions("probe-joint-client", "allowed")).isEqualTo(3);
        assertThat(decisions("probe-joint-client", "blocked")).isEqualTo(1);
        assertThat(decisions("probe-joint-everyone", "allowed")).isEqualTo(3);
        assertThat(decisions("probe-joint-everyone", "blocked")).isEqualTo(1);
        assertThat(decisions("probe-joint-shadow", "allowed") + decisions("probe-joint-shadow", "shadow_blocked"))
                .as("decided only for the calls that ran")
                .isEqualTo(3);
        assertThat(decisions("probe-joint-shadow", "shadow_blocked")).isEqualTo(1);
    }

    @Test
    void aPolicyLimitedAsAWholeSharesOneBucketNamedAfterItByEveryCallerOfEveryMethod() {
        buckets.reset("probe-everyone", null);
        newClient();
        probe.everyone();
        request.reset();
        probe.everyoneToo();
        newClient();
        probe.everyone();

        RateLimitRejection refused = rejectionOf(probe::everyoneToo);

        assertThat(refused.getResponse().getStatus()).isEqualTo(429);
        assertThat(decisions("probe-everyone", "allowed")).isEqualTo(3);
        assertThat(decisions("probe-everyone", "unidentified")).isZero();
        assertThat(buckets.state("probe-everyone", "anyone").own().tokens()).isZero();
        try (RedisClient redis = RedisFixture.shared().client()) {
            assertThat(redis.keys(KEY_PREFIX + "{probe-everyone*")).containsExactly(KEY_PREFIX + "{probe-everyone}");
        }
        buckets.reset("probe-everyone", null);
        assertThat(probe.everyone()).startsWith("run");
    }

    @Test
    void withRedisDownAFailOpenPolicyRunsTheCallUndecided() throws Exception {
        newClient();
        redisProxy.mode(TcpProxy.Mode.REFUSE);

        assertThat(probe.failOpen()).isEqualTo("run 1");

        assertThat(appliedDecision())
                .as("no decision, so no rate-limit headers")
                .isNull();
        assertThat(decisions("probe-open", "fail_open")).isEqualTo(1);
        assertThat(metrics.count("ratelimit.redis.failures", "reason", "connection"))
                .isEqualTo(1);
        assertThat(decisions("probe-open", "allowed")).isZero();
    }

    @Test
    void withRedisDownAFailClosedPolicyAnswers503AndNeverRuns() throws Exception {
        newClient();
        redisProxy.mode(TcpProxy.Mode.REFUSE);

        RateLimitRejection rejection = rejectionOf(probe::failClosed);

        assertThat(probe.runs()).isZero();
        assertThat(rejection.getResponse().getStatus()).isEqualTo(503);
        assertThat(rejection.getResponse().getHeaderString("Retry-After")).isEqualTo("1");
        assertThat(decisions("probe-closed", "fail_closed")).isEqualTo(1);
        assertThat(metrics.count("ratelimit.redis.failures", "reason", "connection"))
                .isEqualTo(1);
    }

    @Test
    void everyPolicysSeriesExistAtZeroFromStartAndCountEachOutcome() {
        for (String policy : new String[] {"probe", "probe-open", "probe-closed", "probe-anonymous", "probe-shadow"}) {
            for (String outcome : MetricLabels.OUTCOMES) {
                assertThat(decisions(policy, outcome))
                        .as(outcome + " of " + policy)
                        .isZero();
            }
            assertThat(metrics.count("ratelimit.decision.duration", "policy", policy))
                    .as("timings of " + policy)
                    .isZero();
        }
        newClient();
        probe.limited();
        probe.limited();
        rejectionOf(probe::limited);

        assertThat(decisions("probe", "allowed")).isEqualTo(2);
        assertThat(decisions("probe", "blocked")).isEqualTo(1);
        assertThat(metrics.count("ratelimit.decision.duration", "policy", "probe"))
                .isEqualTo(3);
    }

    @Test
    void aClassLevelAnnotationGivesEachMethodItsOwnPolicy() {
        newClient();
        classLimitedProbe.first();
        classLimitedProbe.first();
        rejectionOf(classLimitedProbe::first);

        assertThat(classLimitedProbe.second()).isEqualTo("second");
        assertThat(appliedDecision().reportedPolicy().name()).isEqualTo(ClassLimitedProbe.class.getName() + "/second");
        assertThat(appliedDecision().reportedPolicy().limits().capacity()).isEqualTo(2);
    }

    @Test
    void aMethodLevelKeyBeatsTheAnnotationsInlineValue() {
        newClient();
        probe.inline();

        assertThat(appliedDecision().reportedPolicy().limits().capacity()).isEqualTo(1);
        assertThat(rejectionOf(probe::inline).getResponse().getStatus()).isEqualTo(429);
    }

    @Test
    void aShadowPolicyDecidesAndCountsEveryCallButRefusesNoneAndSendsNoHeaders() {
        newClient();

        assertThat(probe.shadow()).isEqualTo("run 1");
        assertThat(probe.shadow()).isEqualTo("run 2");
        request.reset();
        assertThat(probe.shadow()).as("no client id").isEqualTo("run 3");

        assertThat(appliedDecision()).isNull();
        assertThat(decisions("probe-shadow", "allowed")).isEqualTo(1);
        assertThat(decisions("probe-shadow", "shadow_blocked")).isEqualTo(2);
        assertThat(decisions("probe-shadow", "blocked")).isZero();
        assertThat(decisions("probe-shadow", "unidentified")).isZero();
    }

    @Test
    void aPolicyOfTwoBandsRefusesWhenEitherIsEmptyAndReportsThatBand() {
        newClient();
        probe.banded();
        probe.banded();

        RateLimitRejection third = rejectionOf(probe::banded);

        assertThat(third.getResponse().getStatus()).isEqualTo(429);
        assertThat(appliedDecision().decision().band()).isEqualTo(1);
        assertThat(appliedDecision().reportedPolicy().nameOfBand(1)).isEqualTo("probe-bands.hourly");
        assertThat(Long.parseLong(third.getResponse().getHeaderString("Retry-After")))
                .isGreaterThan(1000);
    }

    @Test
    void aPolicyInModeOffRunsEveryCallUndecided() {
        request.reset();

        assertThat(probe.disabled()).isEqualTo("run 1");
        assertThat(probe.disabled()).isEqualTo("run 2");
        assertThat(appliedDecision()).isNull();
    }

    @Test
    void eachTierGetsItsOwnLimitsAndAnUnknownOrMissingTierThePolicysOwn() {
        newClient();
        request.header(PLAN_HEADER, " Premium ");
        assertThat(runsBeforeRefusal(probe::tiered, 10)).isEqualTo(4);
        assertThat(appliedDecision().reportedPolicy().limits().capacity())
                .as("the quota the headers report")
                .isEqualTo(4);
        newClient();
        request.header(PLAN_HEADER, "platinum");
        assertThat(runsBeforeRefusal(probe::tiered, 10)).isEqualTo(2);
        newClient();
        assertThat(runsBeforeRefusal(probe::tiered, 10)).isEqualTo(2);

        assertThat(tierDecisions("probe-tiers", "premium", "allowed")).isEqualTo(4);
        assertThat(tierDecisions("probe-tiers", "premium", "blocked")).isEqualTo(1);
        assertThat(tierDecisions("probe-tiers", "default", "allowed")).isEqualTo(4);
        assertThat(tierDecisions("probe-tiers", "default", "blocked")).isEqualTo(2);
        assertThat(tierDecisions("probe-tiers", "internal", "allowed"))
                .as("registered from the start")
                .isZero();
        assertThat(decisions("probe-tiers", "allowed")).isEqualTo(8);
    }

    @Test
    void aClientWhoseTierChangesKeepsItsBucket() {
        newClient();
        request.header(PLAN_HEADER, "premium");
        probe.tiered();
        probe.tiered();
        probe.tiered();
        request.header(PLAN_HEADER, "");

        assertThat(runsBeforeRefusal(probe::tiered, 10))
                .as("the one token left of 4, not a fresh bucket of 2")
                .isEqualTo(1);
    }

    @Test
    void anUnlimitedTierIsNeverDecidedAndCountedAsExempt() {
        newClient();
        request.header(PLAN_HEADER, "INTERNAL");

        assertThat(runsBeforeRefusal(probe::tiered, 10)).isEqualTo(10);
        assertThat(appliedDecision()).as("no decision, so no headers").isNull();
        assertThat(decisions("probe-tiers", "exempt")).isEqualTo(10);
        assertThat(decisions("probe-tiers", "allowed")).isZero();
        assertThat(tierDecisions("probe-tiers", "internal", "exempt")).isEqualTo(10);
    }

    @Test
    void exemptClientIdsAndNetworksAreNeverLimitedAndNeedNoId() {
        request.reset();
        request.header(CLIENT_HEADER, "monitor-2");
        assertThat(runsBeforeRefusal(probe::tiered, 5)).isEqualTo(5);
        request.reset();
        request.remoteAddress("192.0.2.77");
        assertThat(runsBeforeRefusal(probe::tiered, 5))
                .as("no client id, no 400")
                .isEqualTo(5);
        request.reset();
        request.remoteAddress("192.0.3.1");
        assertThat(rejectionOf(probe::tiered).getResponse().getStatus())
                .as("outside the network, an id is needed")
                .isEqualTo(400);

        assertThat(decisions("probe-tiers", "exempt")).isEqualTo(10);
        assertThat(tierDecisions("probe-tiers", "exempt", "exempt")).isEqualTo(10);
    }

    @Test
    void byRoleTheMostGenerousTierTheCallerIsInApplies() {
        newClient();
        request.roles("silver", "gold");
        assertThat(runsBeforeRefusal(probe::byRole, 10)).isEqualTo(3);
        newClient();
        request.roles("silver");
        assertThat(runsBeforeRefusal(probe::byRole, 10)).isEqualTo(2);
        newClient();
        assertThat(runsBeforeRefusal(probe::byRole, 10)).isEqualTo(1);
    }

    @Test
    void aMethodWithoutTheAnnotationIsNotIntercepted() {
        request.reset();

        assertThat(probe.unlimited()).isEqualTo("run 1");
        assertThat(appliedDecision()).isNull();
    }

    /** The application's own notion of who calls: every user of a tenant shares the tenant's bucket. */
    @ApplicationScoped
    static class TenantResolver implements ClientIdResolver {
        @Override
        public Optional<String> resolve(HttpServletRequest request, String policy) {
            return Optional.ofNullable(request.getHeader("X-Tenant"));
        }
    }

    @Nested
    @EnableWeld
    class WithAnApplicationResolver {

        @WeldSetup
        WeldInitiator weldWithResolver = WeldInitiator.from(WeldInitiator.createWeld()
                        .addExtension(new RateLimitExtension())
                        .addBeanClasses(LIBRARY_BEANS)
                        .addBeanClasses(Probe.class, ClassLimitedProbe.class, TenantResolver.class))
                .addBeans(
                        MockBean.of(request.asServletRequest(), HttpServletRequest.class),
                        MockBean.of(metrics.asRegistry(), MetricRegistry.class))
                .build();

        @Inject
        Probe tenantProbe;

        @Test
        void theResolverDecidesWhoTheCallerIs() {
            String tenant = "tenant-" + UUID.randomUUID();
            request.reset();
            request.header("X-Tenant", tenant).header(CLIENT_HEADER, "alice");
            tenantProbe.limited();
            request.header(CLIENT_HEADER, "bob");
            tenantProbe.limited();

            assertThat(rejectionOf(tenantProbe::limited).getResponse().getStatus())
                    .isEqualTo(429);
        }

        @Test
        void whenTheResolverFindsNoIdTheCallGets400NamingIt() {
            request.reset();
            request.header(CLIENT_HEADER, "alice");

            RateLimitRejection rejection = rejectionOf(tenantProbe::limited);

            assertThat(rejection.getResponse().getStatus()).isEqualTo(400);
            assertThat(rejection.getMessage()).contains("ClientIdResolver");
        }
    }
}

package dev.ratelimit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.ratelimit.redis.RedisRateLimiter;

/**
 * The package rules of the library, read by a newcomer here and kept by the build:
 * <pre>
 *   dev.ratelimit                      the public API: @RateLimited, ClientIdResolver, RateLimitBuckets
 *   dev.ratelimit.core                 policy, limits, decision, verdict, client id, the RateLimiter interface
 *   dev.ratelimit.redis                the Redis adapter: Jedis client, key layout, Lua script, circuit breaker
 *   dev.ratelimit.local                this instance's own buckets, for failure-mode local
 *   dev.ratelimit.integration          CDI: interceptor, extension, producer, client ids, metrics
 *   dev.ratelimit.integration.config   MicroProfile Config: YAML source, settings, policy resolution, key checks
 *   dev.ratelimit.integration.http     the HTTP request and response: identity, headers, rejections
 *   dev.ratelimit.integration.health   MicroProfile Health: readiness follows Redis, liveness never does
 *   dev.ratelimit.demo                 the demo API, left out of the library jar
 * </pre>
 */
@AnalyzeClasses(packages = "dev.ratelimit", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /**
     * The core runs in any Java program: no CDI, JAX-RS, Servlet, MicroProfile or Redis client. javax.crypto
     * is the JDK's own, for the keyed hash of client ids.
     */
    @ArchTest
    static final ArchRule coreDependsOnTheJavaPlatformOnly = classes()
            .that()
            .resideInAPackage("dev.ratelimit.core..")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage("dev.ratelimit.core..", "java..", "javax.crypto..");

    /**
     * The Redis adapter implements the core and nothing else of ours, and knows nothing of Jakarta; its
     * circuit breakers are resilience4j's, kept by node in a Caffeine cache.
     */
    @ArchTest
    static final ArchRule redisAdapterDependsOnTheCoreOnly = classes()
            .that()
            .resideInAPackage("dev.ratelimit.redis..")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage(
                    "dev.ratelimit.redis..",
                    "dev.ratelimit.core..",
                    "java..",
                    "redis.clients.jedis..",
                    "org.apache.commons.pool2..",
                    "io.github.resilience4j..",
                    "com.github.benmanes.caffeine..");

    /** The local buckets implement the core with Bucket4j and Caffeine, and know nothing of Redis or Jakarta. */
    @ArchTest
    static final ArchRule localBucketsDependOnTheCoreOnly = classes()
            .that()
            .resideInAPackage("dev.ratelimit.local..")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage(
                    "dev.ratelimit.local..",
                    "dev.ratelimit.core..",
                    "java..",
                    "io.github.bucket4j..",
                    "com.github.benmanes.caffeine..");

    /**
     * The public API is what applications compile against: Java, Jakarta and the core's value types (a bucket's
     * state), none of the implementation.
     */
    @ArchTest
    static final ArchRule publicApiDependsOnJakartaAndTheCoreOnly = classes()
            .that()
            .resideInAPackage("dev.ratelimit")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage("dev.ratelimit", "dev.ratelimit.core..", "java..", "jakarta..");

    @ArchTest
    static final ArchRule nothingButTheDemoDependsOnTheDemo = noClasses()
            .that()
            .resideOutsideOfPackage("dev.ratelimit.demo..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("dev.ratelimit.demo..");

    /** The demo uses the library as an application would: through the public API only. */
    @ArchTest
    static final ArchRule theDemoUsesThePublicApiOnly = noClasses()
            .that()
            .resideInAPackage("dev.ratelimit.demo..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "dev.ratelimit.core..",
                    "dev.ratelimit.redis..",
                    "dev.ratelimit.local..",
                    "dev.ratelimit.integration..");

    /** An orchestrator restarts an instance whose liveness fails: a Redis outage must not restart them all. */
    @ArchTest
    static final ArchRule livenessNeverAsksRedis = noClasses()
            .that()
            .areAnnotatedWith("org.eclipse.microprofile.health.Liveness")
            .should()
            .dependOnClassesThat()
            .belongToAnyOf(RedisRateLimiter.class)
            .orShould()
            .dependOnClassesThat()
            .resideInAPackage("redis.clients..");

    @ArchTest
    static final ArchRule packagesAreFreeOfCycles =
            slices().matching("dev.ratelimit.(**)").should().beFreeOfCycles();
}

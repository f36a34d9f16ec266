package dev.ratelimit.it;

import dev.ratelimit.testsupport.RedisFixture;
import dev.ratelimit.testsupport.TcpProxy;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * The WAR the build produced, deployed to Liberty as it is, plus the test probes and a
 * {@code microprofile-config.properties} at ordinal 500 (above env vars and system properties) that
 * points it at the test Redis, through a proxy the tests can cut, with bucket keys of its own.
 */
final class DemoDeployment {

    private static TcpProxy redisProxy;

    private DemoDeployment() {}

    /** The proxy in front of the test Redis that every deployment talks to. */
    static synchronized TcpProxy redisProxy() {
        if (redisProxy == null) {
            URI redis = RedisFixture.shared().url();
            try {
                redisProxy = TcpProxy.start(redis.getHost(), redis.getPort());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the proxy in front of " + redis, e);
            }
        }
        return redisProxy;
    }

    static WebArchive withProbes() {
        return withProbes("ratelimiter-it", Map.of());
    }

    /**
     * @param name         the archive's name, unique among the deployments of one test class
     * @param extraClasses test classes to deploy beside the probes
     */
    static WebArchive withProbes(String name, Map<String, String> extraConfig, Class<?>... extraClasses) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("config_ordinal", "500");
        config.put("ratelimit.redis.url", "redis://127.0.0.1:" + redisProxy().port());
        // The Redis timeouts are the defaults, measured to hold on a saturated 2-core host.
        config.put("ratelimit.redis.key-prefix", "it-" + UUID.randomUUID() + ":");
        config.put("ratelimit.policies.probe.capacity", "3");
        config.put("ratelimit.policies.probe.refill-tokens", "1");
        config.put("ratelimit.policies.probe.refill-period", "1h");
        config.put("ratelimit.policies.probe-open.capacity", "100");
        config.put("ratelimit.policies.probe-open.failure-mode", "open");
        config.put("ratelimit.policies.probe-closed.capacity", "100");
        config.put("ratelimit.policies.probe-closed.failure-mode", "closed");
        config.put("ratelimit.policies.probe-local.capacity", "4");
        config.put("ratelimit.policies.probe-local.refill-period", "1h");
        config.put("ratelimit.policies.probe-local.failure-mode", "local");
        config.put("ratelimit.policies.probe-anonymous.capacity", "2");
        config.put("ratelimit.policies.probe-anonymous.refill-period", "1h");
        config.put("ratelimit.policies.probe-anonymous.missing-client-id", "anonymous");
        config.put("ratelimit.policies.probe-by-address.capacity", "1");
        config.put("ratelimit.policies.probe-by-address.refill-period", "1h");
        config.put("ratelimit.policies.probe-by-address.client-id", "remote-address");
        config.put("ratelimit.policies.probe-disabled.capacity", "1");
        config.put("ratelimit.policies.probe-disabled.mode", "off");
        config.put("ratelimit.policies.probe-shadow.capacity", "1");
        config.put("ratelimit.policies.probe-shadow.refill-period", "1h");
        config.put("ratelimit.policies.probe-shadow.mode", "shadow");
        config.put("ratelimit.policies.probe-bands.capacity", "3");
        config.put("ratelimit.policies.probe-bands.bands.hourly.capacity", "2");
        config.put("ratelimit.policies.probe-bands.bands.hourly.refill-period", "1h");
        config.put(ProbeResource.class.getName() + "/inline/RateLimited/capacity", "2");
        config.put(SecondInheritingProbe.class.getName() + "/RateLimited/capacity", "3");
        config.putAll(extraConfig);
        String properties = config.entrySet().stream()
                .map(entry -> entry.getKey() + "=" + entry.getValue())
                .collect(Collectors.joining("\n"));
        return ShrinkWrap.create(ZipImporter.class, name + ".war")
                .importFrom(new File(System.getProperty("it.war")))
                .as(WebArchive.class)
                .addClasses(
                        ProbeResource.class,
                        ClassLimitedProbeResource.class,
                        InheritedProbeBase.class,
                        FirstInheritingProbe.class,
                        SecondInheritingProbe.class)
                .addClasses(extraClasses)
                .addAsResource(new StringAsset(properties), "META-INF/microprofile-config.properties");
    }
}

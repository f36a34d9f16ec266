package dev.ratelimit.integration.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

class MetricDistributionsTest {

    private static final String BUCKETS = "mp.metrics.distribution.timer.buckets";

    @Test
    void theLibrarysBucketsAndPercentilesAreFoundThroughTheServiceLoader() {
        Config config = new SmallRyeConfigBuilder().addDiscoveredSources().build();

        assertThat(config.getValue(BUCKETS, String.class)).startsWith("ratelimit.decision.duration=1ms,");
        assertThat(config.getValue("mp.metrics.distribution.percentiles", String.class))
                .isEqualTo("ratelimit.decision.duration=0.5,0.9,0.99,0.999;ratelimit.redis.pipeline.calls=0.5,0.99");
        assertThat(config.getValue("mp.metrics.distribution.histogram.buckets", String.class))
                .isEqualTo("ratelimit.redis.pipeline.calls=1,2,4,8,16,32,64,128,256");
    }

    @Test
    void anApplicationsOwnPropertiesFileOverridesThem() {
        Config config = new SmallRyeConfigBuilder()
                .addDiscoveredSources()
                .withSources(new PropertiesConfigSource(
                        Map.of(BUCKETS, "ratelimit.decision.duration=1ms,10ms"), "microprofile-config.properties", 100))
                .build();

        assertThat(config.getValue(BUCKETS, String.class)).isEqualTo("ratelimit.decision.duration=1ms,10ms");
    }
}

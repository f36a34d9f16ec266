package dev.ratelimit.it;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import static org.assertj.core.api.Assertions.assertThat;

/** The library jar other WARs depend on: the whole library, nothing of the demo. */
class LibraryJarIT {

    @Test
    void theLibraryJarHoldsTheLibraryAndNoDemo() throws IOException {
        try (JarFile jar = new JarFile(new File(System.getProperty("it.library.jar")))) {
            List<String> entries = jar.stream().map(ZipEntry::getName).toList();

            assertThat(entries).contains(
                    "dev/ratelimit/RateLimited.class",
                    "dev/ratelimit/ClientIdResolver.class",
                    "dev/ratelimit/interceptor/RateLimitInterceptor.class",
                    "dev/ratelimit/redis/token_bucket.lua",
                    "META-INF/beans.xml",
                    "META-INF/services/jakarta.enterprise.inject.spi.Extension",
                    "META-INF/services/org.eclipse.microprofile.config.spi.ConfigSource");
            assertThat(entries).noneMatch(name -> name.startsWith("dev/ratelimit/api/"));
            assertThat(entries).doesNotContain("rate_limits.yaml");
        }
    }
}

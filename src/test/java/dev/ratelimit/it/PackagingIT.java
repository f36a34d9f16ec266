package dev.ratelimit.it;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the build packages: the library jar other WARs depend on holds exactly the compiled classes and
 * resources less the demo; the demo WAR carries the SLF4J binding that sends Jedis' logging to Liberty's log.
 */
class PackagingIT {

    private static final String DEMO_PACKAGE = "dev/ratelimit/demo/";
    private static final String DEMO_POLICIES = "rate_limits.yaml";

    @Test
    void theLibraryJarHoldsEveryNonDemoClassAndResourceAndNothingElse() throws IOException {
        Path classes = Path.of(System.getProperty("it.classes"));
        Set<String> expected;
        try (Stream<Path> files = Files.walk(classes)) {
            expected = files.filter(Files::isRegularFile)
                    .map(file -> classes.relativize(file).toString().replace(File.separatorChar, '/'))
                    .filter(name -> !name.startsWith(DEMO_PACKAGE) && !name.equals(DEMO_POLICIES))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> packaged;
        try (JarFile jar = new JarFile(new File(System.getProperty("it.library.jar")))) {
            packaged = jar.stream().map(ZipEntry::getName)
                    .filter(name -> !name.endsWith("/") && !name.startsWith("META-INF/maven/")
                            && !name.equals("META-INF/MANIFEST.MF"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }

        assertThat(expected).as("the build compiled the library").contains(
                "dev/ratelimit/RateLimited.class",
                "dev/ratelimit/integration/RateLimitInterceptor.class",
                "dev/ratelimit/redis/token_bucket.lua",
                "META-INF/services/jakarta.enterprise.inject.spi.Extension");
        assertThat(packaged).isEqualTo(expected);
    }

    @Test
    void theWarCarriesAnSlf4jBindingForJedisLogging() throws IOException {
        try (JarFile war = new JarFile(new File(System.getProperty("it.war")))) {
            assertThat(war.stream().map(ZipEntry::getName))
                    .anyMatch(name -> name.matches("WEB-INF/lib/slf4j-jdk14-[0-9.]+\\.jar"))
                    .anyMatch(name -> name.matches("WEB-INF/lib/jedis-[0-9.]+\\.jar"));
        }
    }
}

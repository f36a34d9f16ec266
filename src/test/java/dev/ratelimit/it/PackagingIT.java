package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What the build publishes and what it packages beside: the library jar (the project's artifact) holds exactly
 * the compiled classes and resources less the demo, with sources and javadoc jars and a POM of the library's own;
 * the demo WAR, never installed, carries the demo and the SLF4J binding that sends Jedis' logging to Liberty's log.
 */
class PackagingIT {

    private static final String DEMO_PACKAGE = "dev/ratelimit/demo/";
    private static final String DEMO_POLICIES = "rate_limits.yaml";

    @Test
    void theLibraryJarHoldsEveryNonDemoClassAndResourceAndNothingElse() throws IOException {
        Set<String> expected = libraryFilesIn(Path.of(System.getProperty("it.classes")));

        assertThat(expected)
                .as("the build compiled the library")
                .contains(
                        "dev/ratelimit/RateLimited.class",
                        "dev/ratelimit/integration/RateLimitInterceptor.class",
                        "dev/ratelimit/redis/token_bucket.lua",
                        "META-INF/services/jakarta.enterprise.inject.spi.Extension");
        assertThat(entriesOf(System.getProperty("it.library.jar"))).isEqualTo(expected);
    }

    @Test
    void theLibraryJarNamesItsModule() throws IOException {
        try (JarFile jar = new JarFile(new File(System.getProperty("it.library.jar")))) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"))
                    .isEqualTo("dev.ratelimit");
        }
    }

    @Test
    void theSourcesJarHoldsTheSourceOfEveryLibraryClass() throws IOException {
        Set<String> topLevelClasses = libraryFilesIn(Path.of(System.getProperty("it.classes"))).stream()
                .filter(name -> name.endsWith(".class") && !name.contains("$"))
                .map(name -> name.replaceFirst("\\.class$", ".java"))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> sources = entriesOf(System.getProperty("it.sources.jar"));

        assertThat(sources)
                .containsAll(topLevelClasses)
                .contains("dev/ratelimit/redis/token_bucket.lua")
                .noneMatch(name -> name.startsWith(DEMO_PACKAGE) || name.equals(DEMO_POLICIES));
    }

    @Test
    void theJavadocJarDocumentsTheLibraryWithoutTheDemo() throws IOException {
        Set<String> javadoc = entriesOf(System.getProperty("it.javadoc.jar"));

        assertThat(javadoc)
                .contains(
                        "index.html",
                        "dev/ratelimit/RateLimited.html",
                        "dev/ratelimit/core/RateLimitDecider.html",
                        "dev/ratelimit/redis/RedisSettings.Builder.html")
                .noneMatch(name -> name.startsWith(DEMO_PACKAGE));
    }

    @Test
    void thePublishedPomIsTheLibrarysWithItsMetadataAndOnlyWhatItsUsersNeed() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new File(System.getProperty("it.library.pom")));
        Element project = pom.getDocumentElement();

        assertThat(text(project, "artifactId")).isEqualTo("ratelimiter");
        assertThat(text(project, "packaging")).as("jar, the default").isIn("", "jar");
        assertThat(text(project, "name")).isNotBlank();
        assertThat(text(project, "description")).isNotBlank();
        assertThat(text(project, "url")).startsWith("https://");
        assertThat(text(project, "licenses")).contains("Apache-2.0");
        assertThat(text(project, "scm")).contains("scm:git:");
        assertThat(project.getElementsByTagName("build").getLength()).isZero();
        assertThat(project.getElementsByTagName("profiles").getLength()).isZero();
        assertThat(dependencies(project))
                .containsExactlyInAnyOrder(
                        "jakarta.platform:jakarta.jakartaee-api:provided",
                        "org.eclipse.microprofile.config:microprofile-config-api:provided",
                        "org.eclipse.microprofile.metrics:microprofile-metrics-api:provided",
                        "org.eclipse.microprofile.health:microprofile-health-api:provided",
                        "redis.clients:jedis:compile",
                        "org.snakeyaml:snakeyaml-engine:compile",
                        "io.github.resilience4j:resilience4j-circuitbreaker:compile",
                        "com.bucket4j:bucket4j_jdk17-core:compile",
                        "com.github.ben-manes.caffeine:caffeine:compile",
                        "org.slf4j:slf4j-jdk14:runtime (optional)");
    }

    @Test
    void theWarCarriesTheDemoAndAnSlf4jBindingForJedisLogging() throws IOException {
        Set<String> war = entriesOf(System.getProperty("it.war"));

        assertThat(war)
                .anyMatch(name -> name.matches("WEB-INF/lib/slf4j-jdk14-[0-9.]+\\.jar"))
                .anyMatch(name -> name.matches("WEB-INF/lib/jedis-[0-9.]+\\.jar"))
                .contains(
                        "WEB-INF/classes/" + DEMO_PACKAGE + "OrdersResource.class", "WEB-INF/classes/" + DEMO_POLICIES);
    }

    private static Set<String> libraryFilesIn(Path classes) throws IOException {
        try (Stream<Path> files = Files.walk(classes)) {
            return files.filter(Files::isRegularFile)
                    .map(file -> classes.relativize(file).toString().replace(File.separatorChar, '/'))
                    .filter(name -> !name.startsWith(DEMO_PACKAGE) && !name.equals(DEMO_POLICIES))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** The files of a jar, without the ones every jar tool adds. */
    private static Set<String> entriesOf(String jarFile) throws IOException {
        try (JarFile jar = new JarFile(new File(jarFile))) {
            return jar.stream()
                    .map(ZipEntry::getName)
                    .filter(name -> !name.endsWith("/")
                            && !name.startsWith("META-INF/maven/")
                            && !name.equals("META-INF/MANIFEST.MF"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** The text of the project's own child element of that name; empty when it has none. */
    private static String text(Element project, String child) {
        for (org.w3c.dom.Node node = project.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(child)) {
                return element.getTextContent().trim();
            }
        }
        return "";
    }

    /** {@code groupId:artifactId:scope}, and {@code (optional)} for an optional one. */
    private static List<String> dependencies(Element project) {
        List<String> dependencies = new ArrayList<>();
        NodeList nodes = project.getElementsByTagName("dependency");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element dependency = (Element) nodes.item(i);
            String scope = text(dependency, "scope");
            dependencies.add(text(dependency, "groupId") + ":" + text(dependency, "artifactId") + ":"
                    + (scope.isEmpty() ? "compile" : scope)
                    + ("true".equals(text(dependency, "optional")) ? " (optional)" : ""));
        }
        return dependencies;
    }
}

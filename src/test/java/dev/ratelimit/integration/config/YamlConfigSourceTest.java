package dev.ratelimit.integration.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.ratelimit.integration.http.TrustedProxies;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class YamlConfigSourceTest {

    private static final WrittenKeys NO_ENVIRONMENT = new WrittenKeys(Map.of());

    /** What the source reports as its problem; it must then offer no property at all. */
    private static String problemOf(YamlConfigSource source) {
        assertThat(source.getProperties())
                .as("properties of a source with a problem")
                .isEmpty();
        return source.problem().orElseThrow(() -> new AssertionError("no problem reported by " + source.getName()));
    }

    private static YamlConfigSource yaml(String text) {
        return new YamlConfigSource("test.yaml", text);
    }

    // ---- flattening ----------------------------------------------------------------------------------------------

    @Test
    void nestedMappingsBecomeDottedKeys() {
        YamlConfigSource source = yaml("""
                ratelimit:
                  key-prefix: "shop:"
                  policies:
                    orders:
                      capacity: 5
                      refill-period: 1m
                      failure-mode: closed
                    search:
                      cost: 2
                """);

        assertThat(source.getProperties())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "ratelimit.key-prefix", "shop:",
                        "ratelimit.policies.orders.capacity", "5",
                        "ratelimit.policies.orders.refill-period", "1m",
                        "ratelimit.policies.orders.failure-mode", "closed",
                        "ratelimit.policies.search.cost", "2"));
        assertThat(source.getPropertyNames()).isEqualTo(source.getProperties().keySet());
        assertThat(source.getValue("ratelimit.policies.orders.capacity")).isEqualTo("5");
        assertThat(source.getValue("ratelimit.policies")).isNull();
        assertThat(source.getValue("missing")).isNull();
    }

    @Test
    void dottedKeysInTheFileCombineWithNesting() {
        YamlConfigSource source = yaml("""
                ratelimit.policies:
                  orders.capacity: 5
                ratelimit.defaults.cost: 1
                """);

        assertThat(source.getProperties())
                .containsOnly(
                        Map.entry("ratelimit.policies.orders.capacity", "5"),
                        Map.entry("ratelimit.defaults.cost", "1"));
    }

    @Test
    void scalarsKeepTheirTextualForm() {
        YamlConfigSource source = yaml("""
                int: 42
                negative: -7
                bool: true
                float: 1.5
                quoted: "007"
                single: 'it''s'
                colon: "ratelimit:"
                url: redis://user:pw@h:6379/0
                big: 123456789012345678901234567890
                """);

        assertThat(source.getValue("int")).isEqualTo("42");
        assertThat(source.getValue("negative")).isEqualTo("-7");
        assertThat(source.getValue("bool")).isEqualTo("true");
        assertThat(source.getValue("float")).isEqualTo("1.5");
        assertThat(source.getValue("quoted")).isEqualTo("007");
        assertThat(source.getValue("single")).isEqualTo("it's");
        assertThat(source.getValue("colon")).isEqualTo("ratelimit:");
        assertThat(source.getValue("url")).isEqualTo("redis://user:pw@h:6379/0");
        assertThat(source.getValue("big")).isEqualTo("123456789012345678901234567890");
    }

    @Test
    void listsBecomeCommaSeparatedValues() {
        YamlConfigSource source = yaml("""
                ratelimit:
                  trusted-proxies:
                    - 10.0.0.0/8
                    - "::1"
                  flow: [a, b, c]
                  single: [only]
                  empty: []
                """);

        assertThat(source.getValue("ratelimit.trusted-proxies")).isEqualTo("10.0.0.0/8,::1");
        assertThat(source.getValue("ratelimit.flow")).isEqualTo("a,b,c");
        assertThat(source.getValue("ratelimit.single")).isEqualTo("only");
        assertThat(source.getValue("ratelimit.empty")).isEmpty();
    }

    @Test
    void commasInsideListItemsAreEscaped() {
        YamlConfigSource source = yaml("""
                items: ["a,b", c, "d,,e"]
                """);

        assertThat(source.getValue("items")).isEqualTo("a\\,b,c,d\\,\\,e");
    }

    @Test
    void listItemsWithCommasSurviveMicroProfileListSplitting() {
        Config config = new SmallRyeConfigBuilder().withSources(yaml("""
                items: ["a,b", c, "d,,e"]
                """)).build();

        assertThat(config.getValues("items", String.class)).containsExactly("a,b", "c", "d,,e");
    }

    @Test
    void listItemsWithBackslashesSurviveMicroProfileListSplitting() {
        Config config = new SmallRyeConfigBuilder().withSources(yaml("""
                items: ['C:\\dir', 'a\\,b', x]
                """)).build();

        assertThat(config.getValues("items", String.class)).containsExactly("C:\\dir", "a\\,b", "x");
    }

    @Test
    void aScalarWithCommasIsKeptAsWritten() {
        assertThat(yaml("proxies: 10.0.0.1, 10.0.0.2\n").getValue("proxies")).isEqualTo("10.0.0.1, 10.0.0.2");
    }

    @Test
    void quotedKeysWithSlashesPassThrough() {
        YamlConfigSource source = yaml("""
                "com.x.A/m/RateLimited/capacity": 3
                "com.x.A/RateLimited/failure-mode": closed
                'com.x.Outer$Inner/find/RateLimited/cost': 2
                """);

        assertThat(source.getProperties())
                .containsOnly(
                        Map.entry("com.x.A/m/RateLimited/capacity", "3"),
                        Map.entry("com.x.A/RateLimited/failure-mode", "closed"),
                        Map.entry("com.x.Outer$Inner/find/RateLimited/cost", "2"));
    }

    @Test
    void unquotedKeysWithSlashesPassThroughToo() {
        assertThat(yaml("com.x.A/m/RateLimited/capacity: 3\n").getValue("com.x.A/m/RateLimited/capacity"))
                .isEqualTo("3");
    }

    @Test
    void nullValuesAreSkipped() {
        YamlConfigSource source = yaml("""
                b: null
                c:
                d: kept
                nested:
                  e: null
                  f:
                  g: ~
                """);

        assertThat(source.getProperties()).containsOnly(Map.entry("d", "kept"));
        assertThat(source.getValue("b")).isNull();
        assertThat(source.getValue("c")).isNull();
    }

    @Test
    void nullListItemsAreSkipped() {
        YamlConfigSource source = yaml("""
                ratelimit:
                  trusted-proxies:
                    - 10.0.0.1
                    -
                    - null
                """);

        assertThat(source.getValue("ratelimit.trusted-proxies")).isEqualTo("10.0.0.1");
    }

    @Test
    void anchorsAndAliasesAreResolved() {
        YamlConfigSource source = yaml("""
                shared: &strict
                  capacity: 5
                  failure-mode: closed
                ratelimit:
                  policies:
                    orders: *strict
                """);

        assertThat(source.getValue("ratelimit.policies.orders.capacity")).isEqualTo("5");
        assertThat(source.getValue("ratelimit.policies.orders.failure-mode")).isEqualTo("closed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   \n", "# only a comment\n", "---\n", "null\n"})
    void emptyDocumentsHaveNoProperties(String text) {
        assertThat(yaml(text).getProperties()).isEmpty();
    }

    @Test
    void propertiesAreUnmodifiable() {
        YamlConfigSource source = yaml("a: 1\n");

        assertThatThrownBy(() -> source.getProperties().put("b", "2"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    // ---- name and ordinal ----------------------------------------------------------------------------------------

    @Test
    void nameNamesTheFile() {
        assertThat(yaml("a: 1\n").getName()).isEqualTo("YamlConfigSource[test.yaml]");
    }

    @Test
    void ordinalIs200ByDefault() {
        assertThat(yaml("a: 1\n").getOrdinal()).isEqualTo(200);
        assertThat(yaml("").getOrdinal()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"config_ordinal: 350", "config_ordinal: ' 350 '", "config_ordinal: \"350\""})
    void configOrdinalInTheFileIsHonoured(String line) {
        assertThat(yaml(line + "\na: 1\n").getOrdinal()).isEqualTo(350);
    }

    @Test
    void aConfigOrdinalThatIsNotANumberIsAProblemNamingIt() {
        YamlConfigSource source = yaml("config_ordinal: high\na: 1\n");

        assertThat(problemOf(source)).isEqualTo("test.yaml: config_ordinal=high is not a whole number");
        assertThat(source.getOrdinal()).isEqualTo(YamlConfigSource.DEFAULT_ORDINAL);
    }

    @Test
    void aValidDocumentHasNoProblem() {
        assertThat(yaml("a: 1\n").problem()).isEmpty();
    }

    // ---- invalid documents ---------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"- a\n- b\n", "just text\n", "42\n", "[1, 2]\n"})
    void aDocumentThatIsNotAMappingIsAProblem(String text) {
        assertThat(problemOf(yaml(text))).isEqualTo("test.yaml must be a mapping of keys to values at its top level");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a: [1, 2\n",
                "a: {b: 1\n",
                "a: \"unterminated\n",
                "a:\n\tb: 1\n",
                "a: 1\n  b: 2\n",
                "a: 1\na: 2\n",
                "a: *undefined\n",
                "--- a: 1\n--- b: 2\n",
            })
    void invalidYamlIsAProblemNamingTheFileLineAndColumn(String text) {
        assertThat(problemOf(yaml(text)))
                .startsWith("test.yaml is not valid YAML: ")
                .containsPattern("line \\d+, column \\d+");
    }

    @Test
    void aBillionLaughsDocumentIsAProblemRatherThanExpanded() {
        String text = """
                a: &a ["x","x","x","x","x","x","x","x","x"]
                b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
                c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
                d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
                e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
                f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
                g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
                """;

        assertThat(problemOf(yaml(text))).contains("test.yaml");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rules:\n  - {a: 1}\n", "rules:\n  - [1, 2]\n"})
    void listsOfMappingsOrListsAreAProblemNamingTheKey(String text) {
        assertThat(problemOf(yaml(text)))
                .isEqualTo("test.yaml: rules holds a list of mappings or lists;"
                        + " only lists of plain values are supported");
    }

    // ---- locating the file
    // -------------------------------------------------------------------------------------------

    private String savedLocation;
    private ClassLoader savedContextLoader;

    @BeforeEach
    void saveGlobalState() {
        savedLocation = System.getProperty(YamlConfigSource.LOCATION_PROPERTY);
        savedContextLoader = Thread.currentThread().getContextClassLoader();
    }

    @AfterEach
    void restoreGlobalState() {
        if (savedLocation == null) {
            System.clearProperty(YamlConfigSource.LOCATION_PROPERTY);
        } else {
            System.setProperty(YamlConfigSource.LOCATION_PROPERTY, savedLocation);
        }
        Thread.currentThread().setContextClassLoader(savedContextLoader);
    }

    @Test
    void noArgConstructorReadsTheFileTheSystemPropertyNames(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("limits.yaml"), """
                ratelimit:
                  policies:
                    orders:
                      capacity: 9
                """);
        System.setProperty(YamlConfigSource.LOCATION_PROPERTY, "  " + file + "  ");

        YamlConfigSource source = new YamlConfigSource();

        assertThat(source.getValue("ratelimit.policies.orders.capacity")).isEqualTo("9");
        assertThat(source.getProperties()).hasSize(1);
        assertThat(source.getName()).isEqualTo("YamlConfigSource[" + file + "]");
    }

    /** Run in a JVM of its own by the test below, whose environment names the file. */
    public static final class PrintSource {
        public static void main(String[] args) {
            YamlConfigSource source = new YamlConfigSource();
            System.out.print(source.getName() + "|" + source.getValue("ratelimit.policies.orders.capacity"));
        }
    }

    @Test
    void theEnvironmentVariableNamesTheFileToo(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(
                dir.resolve("from-env.yaml"), "ratelimit:\n  policies:\n    orders:\n      capacity: 9\n");
        ProcessBuilder java = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        PrintSource.class.getName())
                .redirectErrorStream(true);
        java.environment().put(YamlConfigSource.LOCATION_ENV, file.toString());

        Process process = java.start();
        String printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(printed).isEqualTo("YamlConfigSource[" + file.toAbsolutePath() + "]|9");
    }

    @Test
    void aMissingFileIsAProblemNamingThePropertyAndTheFile(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");
        System.setProperty(YamlConfigSource.LOCATION_PROPERTY, missing.toString());

        assertThat(problemOf(new YamlConfigSource()))
                .contains("ratelimit.config.file (RATELIMIT_CONFIG_FILE) names " + missing.toAbsolutePath())
                .contains("which cannot be read");
    }

    @Test
    void aDirectoryIsAProblemNamingTheProperty(@TempDir Path dir) {
        System.setProperty(YamlConfigSource.LOCATION_PROPERTY, dir.toString());

        assertThat(problemOf(new YamlConfigSource())).contains("ratelimit.config.file");
    }

    @Test
    void anInvalidFileIsAProblemNamingItsPathLineAndColumn(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("broken.yaml"), "ratelimit:\n  policies:\n    a: [1, 2\n");
        System.setProperty(YamlConfigSource.LOCATION_PROPERTY, file.toString());

        assertThat(problemOf(new YamlConfigSource()))
                .startsWith(file.toAbsolutePath() + " is not valid YAML")
                .contains(" in " + file.toAbsolutePath() + ", line 4, column 1");
    }

    @Test
    void withoutAConfiguredFileTheClasspathResourceIsRead(@TempDir Path dir) throws IOException {
        assumeThat(System.getenv(YamlConfigSource.LOCATION_ENV))
                .as("RATELIMIT_CONFIG_FILE unset")
                .isNull();
        System.clearProperty(YamlConfigSource.LOCATION_PROPERTY);
        Files.writeString(dir.resolve("rate_limits.yaml"), "ratelimit:\n  redis:\n    key-prefix: from-classpath\n");

        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
            Thread.currentThread().setContextClassLoader(loader);
            YamlConfigSource source = new YamlConfigSource();

            assertThat(source.getProperties()).containsOnly(Map.entry("ratelimit.redis.key-prefix", "from-classpath"));
            assertThat(source.getName())
                    .startsWith("YamlConfigSource[rate_limits.yaml on the application's classpath (file:")
                    .contains(dir.toString())
                    .endsWith("rate_limits.yaml)]");
        }
    }

    @Test
    void withoutAConfiguredFileOrClasspathResourceTheSourceIsEmpty() throws IOException {
        assumeThat(System.getenv(YamlConfigSource.LOCATION_ENV))
                .as("RATELIMIT_CONFIG_FILE unset")
                .isNull();
        System.clearProperty(YamlConfigSource.LOCATION_PROPERTY);

        try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
            Thread.currentThread().setContextClassLoader(empty);
            YamlConfigSource source = new YamlConfigSource();

            assertThat(source.getProperties()).isEmpty();
            assertThat(source.getName()).isEqualTo("YamlConfigSource[classpath:rate_limits.yaml (absent)]");
            assertThat(source.getOrdinal()).isEqualTo(200);
        }
    }

    @Test
    void isRegisteredForServiceLoader() {
        assertThat(ServiceLoader.load(ConfigSource.class).stream().map(ServiceLoader.Provider::type))
                .contains(YamlConfigSource.class);
    }

    // ---- with SmallRye Config ------------------------------------------------------------------------------------

    private static final String ORDERS_YAML = """
            ratelimit:
              redis:
                url: ${TEST_YAML_REDIS_URL:redis://fallback.internal:6379}
              trusted-proxies: [10.0.0.0/8, "192.168.0.0/16"]
              policies:
                orders:
                  capacity: 5
            """;

    @Test
    void expressionsInYamlValuesFallBackToTheirDefault() {
        Config config = new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .withSources(new YamlConfigSource("orders.yaml", ORDERS_YAML))
                .build();

        assertThat(config.getValue("ratelimit.redis.url", String.class)).isEqualTo("redis://fallback.internal:6379");
        assertThat(LimiterSettings.read(config, NO_ENVIRONMENT).redis().url().getHost())
                .isEqualTo("fallback.internal");
    }

    @Test
    void environmentVariablesInTheirMicroProfileFormOverrideTheYaml() {
        Config config = new SmallRyeConfigBuilder()
                .withSources(
                        new YamlConfigSource("orders.yaml", ORDERS_YAML),
                        new EnvConfigSource(Map.of("RATELIMIT_POLICIES_ORDERS_CAPACITY", "4"), EnvConfigSource.ORDINAL))
                .build();

        assertThat(config.getValue("ratelimit.policies.orders.capacity", String.class))
                .isEqualTo("4");
    }

    @Test
    void aSystemPropertyOverridesTheYamlAmongTheDefaultSources() {
        String key = "ratelimit.policies.orders.capacity";
        System.setProperty(key, "11");
        try {
            Config config = new SmallRyeConfigBuilder()
                    .addDefaultSources()
                    .withSources(new YamlConfigSource("orders.yaml", ORDERS_YAML))
                    .build();

            assertThat(config.getValue(key, String.class)).isEqualTo("11");
        } finally {
            System.clearProperty(key);
        }
    }

    @Test
    void yamlListsReachLimiterSettingsAsLists() {
        Config config = new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .withSources(new YamlConfigSource("orders.yaml", ORDERS_YAML))
                .build();

        assertThat(config.getValues("ratelimit.trusted-proxies", String.class))
                .containsExactly("10.0.0.0/8", "192.168.0.0/16");
        TrustedProxies proxies = LimiterSettings.read(config, NO_ENVIRONMENT).trustedProxies();
        assertThat(proxies.clientAddress("192.168.1.1", List.of("203.0.113.5, 10.0.0.1")))
                .isEqualTo("203.0.113.5");
    }

    // ---- reading the file again ----------------------------------------------------------------------------------

    /** Written as an edit long done, so that only a change of its time, size or inode makes it read again. */
    private static void writeAged(Path file, String text, Instant modified) throws IOException {
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(modified));
    }

    @Test
    void aFileIsReadAgainOnlyOnceItChanged(@TempDir Path directory) throws IOException {
        Path file = directory.resolve("rate_limits.yaml");
        Instant hourAgo = Instant.now().minus(Duration.ofHours(1));
        writeAged(file, "ratelimit.instances: 2\n", hourAgo);
        YamlConfigSource source = new YamlConfigSource(file);

        assertThat(source.refresh()).as("unchanged").isFalse();

        writeAged(file, "ratelimit.instances: 30\n", hourAgo.plusSeconds(1));

        assertThat(source.refresh()).isTrue();
        assertThat(source.getValue("ratelimit.instances")).isEqualTo("30");
        assertThat(source.refresh()).isFalse();
    }

    @Test
    void aFileModifiedMomentsAgoIsReadAgainEvenWithItsSizeAndTimeKept(@TempDir Path directory) throws IOException {
        Path file = directory.resolve("rate_limits.yaml");
        Files.writeString(file, "ratelimit.instances: 2\n");
        FileTime written = Files.getLastModifiedTime(file);
        YamlConfigSource source = new YamlConfigSource(file);

        Files.writeString(file, "ratelimit.instances: 3\n");
        Files.setLastModifiedTime(file, written);

        assertThat(source.refresh()).isTrue();
        assertThat(source.getValue("ratelimit.instances")).isEqualTo("3");
    }

    @Test
    void aBrokenEditKeepsTheValuesReadLastAndReportsTheProblemUntilMended(@TempDir Path directory) throws IOException {
        Path file = directory.resolve("rate_limits.yaml");
        Files.writeString(file, "ratelimit.instances: 2\n");
        YamlConfigSource source = new YamlConfigSource(file);

        Files.writeString(file, "ratelimit: [\n");
        source.refresh();

        assertThat(source.getValue("ratelimit.instances")).isEqualTo("2");
        assertThat(source.problem()).get().asString().contains(file + " is not valid YAML");

        Files.writeString(file, "ratelimit.instances: 4\n");
        source.refresh();

        assertThat(source.getValue("ratelimit.instances")).isEqualTo("4");
        assertThat(source.problem()).isEmpty();
    }

    @Test
    void aResourceInsideTheApplicationIsNeverReadAgain() {
        assertThat(yaml("ratelimit.instances: 2").refresh()).isFalse();
    }
}

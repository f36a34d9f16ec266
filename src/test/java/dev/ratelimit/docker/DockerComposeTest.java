package dev.ratelimit.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.ratelimit.redis.RedisSettings;
import dev.ratelimit.redis.RedisTopology;
import dev.ratelimit.testsupport.MetricLabels;
import java.io.File;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The Docker files, checked without a Docker engine (none runs where this project is built): the compose file
 * read as YAML (and given to {@code docker compose config} where that plugin exists), the Dockerfile's order,
 * and every PromQL expression operators see (rules, dashboard, the operations guide) against the metric names the
 * application exposes, and against {@code promtool} where it is installed ({@code .ci/run} installs it).
 */
class DockerComposeTest {

    private static final Path DOCKER = Path.of("docker");
    private static final Path COMPOSE_FILE = DOCKER.resolve("docker-compose.yml");
    private static final Path DOCKERFILE = DOCKER.resolve("Dockerfile");
    private static final Path PROMETHEUS_CONFIG = DOCKER.resolve("prometheus/prometheus.yml");
    private static final Path RULES = DOCKER.resolve("prometheus/ratelimit.rules.yml");
    private static final Path RULES_TESTS = DOCKER.resolve("prometheus/ratelimit.rules.test.yml");
    private static final Path DASHBOARD = DOCKER.resolve("grafana/dashboards/ratelimiter.json");
    private static final Path GRAFANA_DATASOURCES = DOCKER.resolve("grafana/provisioning/datasources/prometheus.yml");
    private static final Path GRAFANA_DASHBOARDS = DOCKER.resolve("grafana/provisioning/dashboards/ratelimiter.yml");
    private static final Path OPERATIONS_GUIDE = Path.of("docs/operations.md");

    /** What /metrics shows for the application (MicroProfile Metrics 5.1, Prometheus format). */
    private static final Set<String> METRICS = Set.of(
            "ratelimit_decisions_total",
            "ratelimit_decision_duration_seconds",
            "ratelimit_decision_duration_seconds_bucket",
            "ratelimit_decision_duration_seconds_count",
            "ratelimit_decision_duration_seconds_sum",
            "ratelimit_decision_duration_seconds_max",
            "ratelimit_redis_failures_total",
            "ratelimit_redis_breaker_state",
            "ratelimit_redis_breaker_opened_total");

    /** The values each label can take, so that a typo in a matcher does not make a panel silently empty. */
    private static final Map<String, List<String>> LABEL_VALUES = Map.of(
            "outcome", MetricLabels.OUTCOMES,
            "reason", MetricLabels.REASONS,
            "state", MetricLabels.BREAKER_STATES);

    private static final Set<String> PROMQL_KEYWORDS = Set.of(
            "and",
            "or",
            "unless",
            "bool",
            "offset",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "inf",
            "nan",
            "atan2");

    // ---------------------------------------------------------------------------------------------------------
    // Compose file

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(Path file) throws IOException {
        return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services() throws IOException {
        return (Map<String, Map<String, Object>>) yaml(COMPOSE_FILE).get("services");
    }

    /** YAML maps are untyped: the caller names the type it expects. */
    @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"})
    private static <T> T get(Map<String, Object> map, String key) {
        return (T) map.get(key);
    }

    private static List<String> profilesOf(Map<String, Object> service) {
        return get(service, "profiles") == null ? List.of() : get(service, "profiles");
    }

    @Test
    void plainUpStartsRedisTwoApisPrometheusAndGrafana() throws IOException {
        assertThat(services().entrySet().stream()
                        .filter(service -> profilesOf(service.getValue()).isEmpty())
                        .map(Map.Entry::getKey))
                .containsExactlyInAnyOrder("redis", "api-1", "api-2", "prometheus", "grafana");
    }

    @Test
    void everyLibertyIsBuiltFromTheDockerfileAndIsReadyWhenItsHealthSaysSo() throws IOException {
        Map<String, Map<String, Object>> services = services();
        for (String name : List.of("api-1", "api-2", "liberty-cluster")) {
            Map<String, Object> service = services.get(name);
            Map<String, Object> build = get(service, "build");
            assertThat(build).as(name).isNotNull();
            Path context = DOCKER.resolve((String) build.get("context")).normalize();
            assertThat(context.resolve((String) build.get("dockerfile")).normalize())
                    .as(name)
                    .isEqualTo(DOCKERFILE.normalize());
            Map<String, Object> healthcheck = get(service, "healthcheck");
            List<String> test = get(healthcheck, "test");
            assertThat(String.join(" ", test)).as(name).contains("http://localhost:9080/health/ready");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theTwoApisShareNothingButRedis() throws IOException {
        Map<String, Map<String, Object>> services = services();
        for (String name : List.of("api-1", "api-2")) {
            Map<String, Object> api = services.get(name);
            Map<String, Object> environment = get(api, "environment");
            assertThat(environment).as(name).containsEntry("HTTP_HOST", "*");
            RedisSettings settings = RedisSettings.builder()
                    .url((String) environment.get("REDIS_URL"))
                    .build();
            assertThat(settings.topology()).isEqualTo(RedisTopology.STANDALONE);
            assertThat(settings.url().getHost()).isEqualTo("redis");
            assertThat((Map<String, Object>) api.get("depends_on")).containsOnlyKeys("redis");
            assertThat(((Map<String, Object>) ((Map<String, Object>) api.get("depends_on")).get("redis")))
                    .containsEntry("condition", "service_healthy");
            // Bind mounts only, all read-only: no volume (named or not) through which the two could share state.
            List<String> volumes = get(api, "volumes") == null ? List.of() : get(api, "volumes");
            assertThat(volumes)
                    .as(name)
                    .allSatisfy(volume -> assertThat(volume).startsWith(".").endsWith(":ro"));
            assertThat(configFileSeenBy(api))
                    .as(name + ": RATELIMIT_CONFIG_FILE")
                    .isRegularFile();
        }
        assertThat(publishedPorts(services.get("api-1"))).containsExactly("9080");
        assertThat(publishedPorts(services.get("api-2"))).containsExactly("9081");
    }

    /** The file on this side of the mounts that a Liberty reads as RATELIMIT_CONFIG_FILE. */
    private static Path configFileSeenBy(Map<String, Object> service) {
        String inContainer = (String) ((Map<?, ?>) service.get("environment")).get("RATELIMIT_CONFIG_FILE");
        List<String> volumes = get(service, "volumes") == null ? List.of() : get(service, "volumes");
        for (String volume : volumes) {
            String[] parts = volume.split(":", -1);
            if (inContainer.startsWith(parts[1] + "/")) {
                return DOCKER.resolve(parts[0])
                        .resolve(inContainer.substring(parts[1].length() + 1))
                        .normalize();
            }
        }
        // Not mounted: the copy the Dockerfile puts into the image.
        assertThat(inContainer).isEqualTo("/config/rate_limits.yaml");
        return Path.of("configs", "rate_limits.yaml");
    }

    private static List<String> publishedPorts(Map<String, Object> service) {
        List<String> ports = get(service, "ports") == null ? List.of() : get(service, "ports");
        return ports.stream()
                .map(port -> port.split(":"))
                .map(parts -> parts[parts.length - 2])
                .toList();
    }

    @Test
    void noTwoServicesPublishTheSameHostPortWhateverTheProfile() throws IOException {
        List<String> ports = services().values().stream()
                .flatMap(service -> publishedPorts(service).stream())
                .toList();
        assertThat(ports).doesNotHaveDuplicates();
    }

    @Test
    @SuppressWarnings("unchecked")
    void theClusterProfilesLibertyNamesEveryNodeItStartsAfterTheyAreJoined() throws IOException {
        Map<String, Map<String, Object>> services = services();
        List<String> nodes = services.entrySet().stream()
                .filter(service -> profilesOf(service.getValue()).contains("cluster"))
                .filter(service ->
                        String.valueOf(service.getValue().get("command")).contains("--cluster-enabled"))
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
        Map<String, Object> liberty = services.get("liberty-cluster");
        String url = (String) ((Map<String, Object>) liberty.get("environment")).get("REDIS_URL");

        RedisSettings settings = RedisSettings.builder().url(url).build();

        assertThat(nodes).hasSize(3);
        assertThat(profilesOf(liberty)).containsExactly("cluster");
        assertThat(settings.topology()).isEqualTo(RedisTopology.CLUSTER);
        assertThat(settings.url().getRawAuthority().split(","))
                .extracting(node -> node.replace(":6379", ""))
                .containsExactlyInAnyOrderElementsOf(nodes);
        assertThat((Map<String, Object>) liberty.get("depends_on")).containsOnlyKeys("redis-cluster-create");
        assertThat(configFileSeenBy(liberty)).isRegularFile();
        Map<String, Object> create = services.get("redis-cluster-create");
        assertThat(((Map<String, Object>) create.get("depends_on")).keySet())
                .containsExactlyInAnyOrderElementsOf(nodes);
        assertThat(String.join(" ", (List<String>) create.get("command"))).contains("--cluster create");
        assertThat(((Map<String, Object>) create.get("environment"))
                        .get("NODES")
                        .toString()
                        .split(" "))
                .extracting(node -> node.replace(":6379", ""))
                .containsExactlyInAnyOrderElementsOf(nodes);
    }

    @Test
    void everyServiceDependsOnlyOnServicesOfTheFile() throws IOException {
        Map<String, Map<String, Object>> services = services();
        assertThat(services.values().stream()
                        .map(service -> service.get("depends_on"))
                        .filter(Map.class::isInstance)
                        .flatMap(dependsOn -> ((Map<?, ?>) dependsOn).keySet().stream())
                        .map(String::valueOf)
                        .collect(Collectors.toSet()))
                .isSubsetOf(services.keySet());
    }

    @Test
    @SuppressWarnings("unchecked")
    void prometheusScrapesEveryLibertyAndLoadsTheRules() throws IOException {
        Map<String, Object> prometheus = services().get("prometheus");
        assertThat((Map<String, Object>) prometheus.get("depends_on")).containsOnlyKeys("api-1", "api-2");
        assertThat((List<String>) prometheus.get("volumes")).contains("./prometheus:/etc/prometheus:ro");

        Map<String, Object> config = yaml(PROMETHEUS_CONFIG);
        List<String> targets = new ArrayList<>();
        for (Map<String, Object> job : (List<Map<String, Object>>) config.get("scrape_configs")) {
            assertThat(job.get("metrics_path")).isEqualTo("/metrics");
            for (Map<String, Object> staticConfig : (List<Map<String, Object>>) job.get("static_configs")) {
                targets.addAll((List<String>) staticConfig.get("targets"));
            }
        }
        assertThat(targets).containsExactlyInAnyOrder("api-1:9080", "api-2:9080", "liberty-cluster:9080");
        assertThat((List<String>) config.get("rule_files"))
                .allSatisfy(file ->
                        assertThat(PROMETHEUS_CONFIG.resolveSibling(file)).isRegularFile());
    }

    @Test
    @SuppressWarnings("unchecked")
    void grafanaIsProvisionedWithPrometheusAndTheDashboard() throws IOException {
        Map<String, Object> grafana = services().get("grafana");
        assertThat((Map<String, Object>) grafana.get("depends_on")).containsOnlyKeys("prometheus");
        Map<String, String> mounts = ((List<String>) grafana.get("volumes"))
                .stream()
                        .map(volume -> volume.split(":"))
                        .collect(Collectors.toMap(parts -> parts[1], parts -> parts[0]));
        assertThat(DOCKER.resolve(mounts.get("/etc/grafana/provisioning")).normalize())
                .isEqualTo(DOCKER.resolve("grafana/provisioning"));

        Map<String, Object> datasource =
                ((List<Map<String, Object>>) yaml(GRAFANA_DATASOURCES).get("datasources")).get(0);
        assertThat(datasource).containsEntry("type", "prometheus").containsEntry("url", "http://prometheus:9090");
        Map<String, Object> provider =
                ((List<Map<String, Object>>) yaml(GRAFANA_DASHBOARDS).get("providers")).get(0);
        String dashboardsInContainer = (String) ((Map<String, Object>) provider.get("options")).get("path");
        assertThat(DOCKER.resolve(mounts.get(dashboardsInContainer))
                        .resolve(DASHBOARD.getFileName())
                        .normalize())
                .isEqualTo(DASHBOARD.normalize());

        for (JsonObject panel : panels(dashboard())) {
            assertThat(panel.getAsJsonObject("datasource").get("uid").getAsString())
                    .as(title(panel))
                    .isEqualTo(datasource.get("uid"));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Dockerfile

    @Test
    void theDockerfileFollowsOpenLibertysKernelSlimPattern() throws IOException {
        List<String> instructions = Files.readAllLines(DOCKERFILE).stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .toList();
        assertThat(instructions.get(0)).isEqualTo("FROM icr.io/appcafe/open-liberty:kernel-slim-java17-openj9-ubi");
        int config = indexOf(instructions, "COPY --chown=1001:0 src/main/liberty/config/ /config/");
        int features = indexOf(instructions, "RUN features.sh");
        int war = indexOf(instructions, "COPY --chown=1001:0 target/ratelimiter.war /config/dropins/");
        int limits = indexOf(instructions, "COPY --chown=1001:0 configs/rate_limits.yaml /config/rate_limits.yaml");
        int configure = indexOf(instructions, "RUN configure.sh");
        assertThat(List.of(config, features, war, configure)).isSorted();
        assertThat(limits).isBetween(features, configure);
        assertThat(configure).isEqualTo(instructions.size() - 1);
        assertThat(String.join("\n", instructions)).contains("RATELIMIT_CONFIG_FILE=/config/rate_limits.yaml");

        // The build context is the repository root: .dockerignore must let through what is copied.
        List<String> ignore = Files.readAllLines(Path.of(".dockerignore"));
        for (String source :
                List.of("src/main/liberty/config/", "target/ratelimiter.war", "configs/rate_limits.yaml")) {
            assertThat(ignore).contains("!" + source);
        }
        assertThat(Files.readString(Path.of("pom.xml"))).contains("<finalName>ratelimiter</finalName>");
    }

    private static int indexOf(List<String> instructions, String instruction) {
        int index = instructions.indexOf(instruction);
        assertThat(index).as(instruction).isNotNegative();
        return index;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Dashboard and PromQL

    private static JsonObject dashboard() throws IOException {
        // Strict, as Grafana is: a lenient parse would accept comments or single quotes that Grafana refuses.
        JsonReader reader = new JsonReader(new StringReader(Files.readString(DASHBOARD)));
        reader.setStrictness(Strictness.STRICT);
        JsonElement dashboard = JsonParser.parseReader(reader);
        assertThat(reader.peek()).as("anything after the dashboard").isEqualTo(JsonToken.END_DOCUMENT);
        return dashboard.getAsJsonObject();
    }

    /** The panels, rows' collapsed panels included. */
    private static List<JsonObject> panels(JsonObject dashboard) {
        List<JsonObject> panels = new ArrayList<>();
        for (JsonElement panel : dashboard.getAsJsonArray("panels")) {
            panels.add(panel.getAsJsonObject());
            if (panel.getAsJsonObject().has("panels")) {
                panel.getAsJsonObject().getAsJsonArray("panels").forEach(inner -> panels.add(inner.getAsJsonObject()));
            }
        }
        return panels;
    }

    private static String title(JsonObject panel) {
        return panel.get("title").getAsString();
    }

    /** Each panel's target expressions, by "panel title / refId". */
    private static Map<String, String> dashboardExpressions() throws IOException {
        Map<String, String> expressions = new LinkedHashMap<>();
        for (JsonObject panel : panels(dashboard())) {
            if ("row".equals(panel.get("type").getAsString())) {
                continue;
            }
            JsonArray targets = panel.getAsJsonArray("targets");
            assertThat(targets).as(title(panel) + ": targets").isNotNull().isNotEmpty();
            for (JsonElement target : targets) {
                JsonObject object = target.getAsJsonObject();
                expressions.put(
                        title(panel) + " / " + object.get("refId").getAsString(),
                        object.has("expr") ? object.get("expr").getAsString() : "");
            }
        }
        return expressions;
    }

    @Test
    void theDashboardHasAPolicyVariableAndEveryPanelAsked() throws IOException {
        JsonObject dashboard = dashboard();
        List<String> variables = new ArrayList<>();
        dashboard
                .getAsJsonObject("templating")
                .getAsJsonArray("list")
                .forEach(variable ->
                        variables.add(variable.getAsJsonObject().get("name").getAsString()));
        assertThat(variables).contains("policy");

        Map<String, String> expressions = dashboardExpressions();
        String all = String.join("\n", expressions.values());
        assertThat(all)
                .contains(
                        "ratelimit_decisions_total",
                        "outcome=~\"blocked|local_blocked\"",
                        "histogram_quantile(0.50",
                        "histogram_quantile(0.99",
                        "ratelimit_redis_breaker_state",
                        "outcome=\"fail_open\"",
                        "sum by (reason) (rate(ratelimit_redis_failures_total");
        expressions.forEach((panel, expr) -> {
            if (expr.contains("ratelimit_decision")) {
                assertThat(expr).as(panel + ": filtered by the policy variable").contains("policy=~\"$policy\"");
            }
        });
    }

    @Test
    void everyDashboardExpressionReadsOnlyTheApplicationsMetrics() throws IOException {
        dashboardExpressions().forEach((panel, expr) -> {
            assertThat(expr).as(panel).isNotBlank();
            assertThat(metricNames(expr)).as(panel + ": " + expr).isNotEmpty().isSubsetOf(METRICS);
            assertLabelValuesKnown(panel, expr);
        });
    }

    @Test
    void everyRuleReadsOnlyTheApplicationsMetricsOrRecordedOnes() throws IOException {
        Map<String, String> rules = recordingRules();
        assertThat(rules).isNotEmpty();
        Set<String> known = new LinkedHashSet<>(METRICS);
        known.addAll(rules.keySet());
        rules.forEach((record, expr) -> {
            assertThat(metricNames(expr)).as(record + ": " + expr).isNotEmpty().isSubsetOf(known);
            assertLabelValuesKnown(record, expr);
        });
    }

    @Test
    void everyQueryOfTheOperationsGuideReadsOnlyTheApplicationsMetricsOrRecordedOnes() throws IOException {
        List<String> queries = guideQueries();
        assertThat(queries).as(OPERATIONS_GUIDE + " has ```promql blocks").isNotEmpty();
        Set<String> known = new LinkedHashSet<>(METRICS);
        known.addAll(recordingRules().keySet());
        for (String query : queries) {
            assertThat(metricNames(query)).as(query).isNotEmpty().isSubsetOf(known);
            assertLabelValuesKnown(OPERATIONS_GUIDE.toString(), query);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> recordingRules() throws IOException {
        Map<String, String> rules = new LinkedHashMap<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) yaml(RULES).get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                rules.put((String) rule.getOrDefault("record", rule.get("alert")), ((String) rule.get("expr")).strip());
            }
        }
        return rules;
    }

    /** The expressions of the operations guide's ```promql blocks, one per paragraph, without comment lines. */
    private static List<String> guideQueries() throws IOException {
        Matcher block =
                Pattern.compile("```promql\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(OPERATIONS_GUIDE));
        List<String> queries = new ArrayList<>();
        while (block.find()) {
            for (String paragraph : block.group(1).split("\\n\\s*\\n", -1)) {
                String query = paragraph
                        .lines()
                        .filter(line -> !line.strip().startsWith("#"))
                        .collect(Collectors.joining("\n"))
                        .strip();
                if (!query.isEmpty()) {
                    queries.add(query);
                }
            }
        }
        return queries;
    }

    /**
     * The metric names an expression reads: what is left once strings, label matchers, ranges, grouping
     * clauses, function calls, keywords and numbers are taken out.
     */
    static Set<String> metricNames(String expr) {
        String rest = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Matcher identifier = Pattern.compile("(?<![\\w.:$])[a-zA-Z_:][a-zA-Z0-9_:]*+(?!\\s*\\()")
                .matcher(rest);
        Set<String> names = new LinkedHashSet<>();
        while (identifier.find()) {
            if (!PROMQL_KEYWORDS.contains(identifier.group().toLowerCase(Locale.ROOT))) {
                names.add(identifier.group());
            }
        }
        return names;
    }

    private static void assertLabelValuesKnown(String where, String expr) {
        Matcher matcher = Pattern.compile("\\b(outcome|reason|state)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"")
                .matcher(expr);
        while (matcher.find()) {
            assertThat(matcher.group(3).split("\\|"))
                    .as(where + ": " + matcher.group())
                    .isSubsetOf(LABEL_VALUES.get(matcher.group(1)));
        }
    }

    @Test
    void metricNamesAreFoundInExpressions() {
        assertThat(
                        metricNames(
                                "histogram_quantile(0.99, sum by (le, policy) (rate(ratelimit_decision_duration_seconds_bucket{policy=~\"$policy\"}[5m])))"))
                .containsExactly("ratelimit_decision_duration_seconds_bucket");
        assertThat(metricNames("sum(a_total offset 5m) / ignoring(x) b > bool 1e3 or vector(0)"))
                .containsExactly("a_total", "b");
        assertThat(metricNames("avg_over_time(ratelimit:fail_open:active1m[1h])"))
                .containsExactly("ratelimit:fail_open:active1m");
    }

    // ---------------------------------------------------------------------------------------------------------
    // External tools, where installed

    private static Optional<Path> onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, command))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private record Run(int exitCode, String output) {}

    private static Run run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not end within 120 s");
        }
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    private static void assertSucceeds(String... command) throws IOException, InterruptedException {
        Run run = run(command);
        assertThat(run.exitCode())
                .as(String.join(" ", command) + " said:\n" + run.output())
                .isZero();
    }

    /** {@code docker compose} where the Compose plugin is installed, else Compose v1's {@code docker-compose}. */
    private static List<String> compose() throws IOException, InterruptedException {
        Optional<Path> docker = onPath("docker");
        if (docker.isPresent()
                && run(docker.get().toString(), "compose", "version").exitCode() == 0) {
            return List.of(docker.get().toString(), "compose");
        }
        Optional<Path> composeV1 = onPath("docker-compose");
        assumeTrue(
                composeV1.isPresent(),
                "neither the Compose plugin (`docker compose`) nor `docker-compose` is"
                        + " installed (Debian package docker-compose; .ci/run installs it): `config` not run");
        return List.of(composeV1.get().toString());
    }

    @Test
    void dockerComposeConfigAcceptsTheFile() throws IOException, InterruptedException {
        List<String> compose = compose();
        List<String> plain = new ArrayList<>(compose);
        plain.addAll(List.of("-f", COMPOSE_FILE.toString(), "config", "--quiet"));
        assertSucceeds(plain.toArray(String[]::new));
        List<String> cluster = new ArrayList<>(compose);
        cluster.addAll(List.of("-f", COMPOSE_FILE.toString(), "--profile", "cluster", "config", "--quiet"));
        assertSucceeds(cluster.toArray(String[]::new));
    }

    private static Path promtool() {
        Optional<Path> promtool = onPath("promtool");
        assumeTrue(
                promtool.isPresent(),
                "no promtool on PATH (Debian package prometheus; .ci/run installs it):"
                        + " the Prometheus files were not checked by Prometheus' own parser");
        return promtool.get();
    }

    @Test
    void promtoolAcceptsTheConfigAndTheRules() throws IOException, InterruptedException {
        Path promtool = promtool();
        assertSucceeds(promtool.toString(), "check", "config", PROMETHEUS_CONFIG.toString());
        assertSucceeds(promtool.toString(), "check", "rules", RULES.toString());
    }

    @Test
    void theRulesGiveTheExpectedNumbersOnMadeUpScrapes() throws IOException, InterruptedException {
        Path promtool = promtool();
        assertSucceeds(promtool.toString(), "test", "rules", RULES_TESTS.toString());
    }

    /**
     * The dashboard's and the operations guide's expressions, written as recording rules so that {@code promtool check rules}
     * parses each. Grafana's variables get values of the kind Grafana puts there.
     */
    @Test
    void promtoolParsesEveryDashboardAndOperationsGuideExpression(@TempDir Path dir)
            throws IOException, InterruptedException {
        Path promtool = promtool();
        Map<String, String> expressions = new LinkedHashMap<>();
        dashboardExpressions()
                .forEach((panel, expr) -> expressions.put(
                        "dashboard: " + panel,
                        expr.replace("$__rate_interval", "1m")
                                .replace("$__interval", "1m")
                                .replace("$__range", "1h")
                                .replace("$policy", ".+")));
        List<String> guide = guideQueries();
        for (int i = 0; i < guide.size(); i++) {
            expressions.put("operations guide query " + (i + 1), guide.get(i));
        }
        JsonArray rules = new JsonArray();
        int n = 0;
        for (Map.Entry<String, String> expression : expressions.entrySet()) {
            assertThat(expression.getValue())
                    .as(expression.getKey() + ": a Grafana variable left")
                    .doesNotContain("$");
            JsonObject rule = new JsonObject();
            rule.addProperty("record", "check:expression_" + ++n);
            rule.addProperty("expr", expression.getValue());
            rules.add(rule);
        }
        JsonObject group = new JsonObject();
        group.addProperty("name", "expressions");
        group.add("rules", rules);
        JsonArray groups = new JsonArray();
        groups.add(group);
        JsonObject file = new JsonObject();
        file.add("groups", groups);
        // JSON is YAML, which promtool reads.
        Path rulesFile = Files.writeString(dir.resolve("expressions.rules.yml"), file.toString());

        Run check = run(promtool.toString(), "check", "rules", rulesFile.toString());
        assertThat(check.exitCode())
                .as("promtool check rules said:\n" + check.output() + "\nfor:\n"
                        + expressions.entrySet().stream()
                                .map(e -> e.getKey() + ": " + e.getValue())
                                .collect(Collectors.joining("\n")))
                .isZero();
        assertThat(check.output()).contains("SUCCESS: " + expressions.size() + " rules found");
    }
}

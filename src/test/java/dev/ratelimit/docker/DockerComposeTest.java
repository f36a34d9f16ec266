package dev.ratelimit.docker;

import dev.ratelimit.redis.RedisSettings;
import dev.ratelimit.redis.RedisTopology;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The compose file, read as YAML since no Docker engine runs here: the default services stay as they were, and
 * the {@code cluster} profile's Liberty names, in a URL the limiter accepts, exactly the cluster nodes the
 * profile starts, after the job that joins them.
 */
class DockerComposeTest {

    private static final Path COMPOSE_FILE = Path.of("docker", "docker-compose.yml");

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services() throws IOException {
        Map<String, Object> compose = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(COMPOSE_FILE));
        return (Map<String, Map<String, Object>>) compose.get("services");
    }

    private static List<String> profilesOf(Map<String, Object> service) {
        @SuppressWarnings("unchecked")
        List<String> profiles = (List<String>) service.getOrDefault("profiles", List.of());
        return profiles;
    }

    @Test
    void plainUpStartsRedisAndOneLibertyAsBefore() throws IOException {
        assertThat(services().entrySet().stream().filter(service -> profilesOf(service.getValue()).isEmpty())
                .map(Map.Entry::getKey)).containsExactlyInAnyOrder("redis", "liberty");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theClusterProfilesLibertyNamesEveryNodeItStartsAfterTheyAreJoined() throws IOException {
        Map<String, Map<String, Object>> services = services();
        List<String> nodes = services.entrySet().stream()
                .filter(service -> profilesOf(service.getValue()).contains("cluster"))
                .filter(service -> String.valueOf(service.getValue().get("command")).contains("--cluster-enabled"))
                .map(Map.Entry::getKey).sorted().toList();
        Map<String, Object> liberty = services.get("liberty-cluster");
        String url = (String) ((Map<String, Object>) liberty.get("environment")).get("REDIS_URL");

        RedisSettings settings = RedisSettings.builder().url(url).build();

        assertThat(nodes).hasSize(3);
        assertThat(settings.topology()).isEqualTo(RedisTopology.CLUSTER);
        assertThat(settings.url().getRawAuthority().split(",")).extracting(node -> node.replace(":6379", ""))
                .containsExactlyInAnyOrderElementsOf(nodes);
        assertThat((Map<String, Object>) liberty.get("depends_on")).containsOnlyKeys("redis-cluster-create");
        Map<String, Object> create = services.get("redis-cluster-create");
        assertThat(((Map<String, Object>) create.get("depends_on")).keySet()).containsExactlyInAnyOrderElementsOf(nodes);
        assertThat(String.join(" ", (List<String>) create.get("command"))).contains("--cluster create");
        assertThat(((Map<String, Object>) create.get("environment")).get("NODES").toString().split(" "))
                .extracting(node -> node.replace(":6379", "")).containsExactlyInAnyOrderElementsOf(nodes);
    }

    @Test
    void everyServiceDependsOnlyOnServicesOfTheFile() throws IOException {
        Map<String, Map<String, Object>> services = services();
        assertThat(services.values().stream().map(service -> service.get("depends_on"))
                .filter(Map.class::isInstance).flatMap(dependsOn -> ((Map<?, ?>) dependsOn).keySet().stream())
                .map(String::valueOf).collect(Collectors.toSet())).isSubsetOf(services.keySet());
    }
}

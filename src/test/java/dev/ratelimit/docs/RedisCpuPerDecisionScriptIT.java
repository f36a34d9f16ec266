package dev.ratelimit.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ratelimit.testsupport.RedisFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The commands behind "Scale on paper" run as the page says, at a small count: the script's arguments as that page's
 * script passes them still make decisions, allowed and refused, on one Redis and on a 3-master cluster. A change to
 * the Lua script's arguments that the reproduction does not follow fails here.
 */
class RedisCpuPerDecisionScriptIT {

    private static final Path SCRIPT = Path.of("docs/scripts/redis-cpu-per-decision.sh");

    @Test
    void theReproductionRunsAndTheScriptDecidesAsItsArgumentsSay() throws IOException, InterruptedException {
        for (String tool : List.of("redis-server", "redis-cli", "redis-benchmark")) {
            assumeTrue(RedisFixture.onPath(tool) != null, tool + " is not on the PATH (Debian: redis-tools)");
        }
        Process run = new ProcessBuilder(
                        "bash", SCRIPT.toString(), "--calls", "2000", "--connections", "4", "--cluster")
                .redirectErrorStream(true)
                .start();
        boolean ended = run.waitFor(2, TimeUnit.MINUTES);
        if (!ended) {
            run.destroyForcibly();
        }
        String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(ended).as("the script ends within 2 minutes").isTrue();
        assertThat(run.exitValue()).as(output).isZero();
        assertThat(output)
                .contains(
                        "EVALSHA, allowed, 100,000 keys",
                        "EVALSHA, allowed, one hot key",
                        "EVALSHA, refused (writes nothing), one hot key",
                        "The script allowed and refused as a decision does.",
                        "3-master cluster, 64 connections")
                .containsPattern("PING +[0-9.]+ requests/s +[0-9.]+ us Redis CPU per call");
    }
}

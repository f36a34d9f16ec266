package dev.ratelimit.bench;

import dev.ratelimit.core.ClientId;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pure-Java work each rate-limited request does before it reaches Redis: turning the raw client id into
 * a {@link ClientId} (a regex match, and a SHA-256 when the id is unsafe or too long). No Redis is started
 * for these.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Threads(1)
@State(Scope.Thread)
public class RequestPathBenchmark {

    // Non-final fields, so that the JIT cannot fold the inputs into constants.
    /** Matches the safe pattern: kept as it is. */
    String safeId = "alice.smith@example.com";
    /** Short but holds characters outside the safe set (space, braces): hashed. */
    String unsafeId = "} evil { id";
    /** Only safe characters, but longer than 64: hashed. */
    String longId = "tenant-42:" + "x".repeat(246);

    @Benchmark
    public ClientId clientIdSafe() {
        return ClientId.of(safeId);
    }

    @Benchmark
    public ClientId clientIdUnsafe() {
        return ClientId.of(unsafeId);
    }

    @Benchmark
    public ClientId clientIdLong() {
        return ClientId.of(longId);
    }
}

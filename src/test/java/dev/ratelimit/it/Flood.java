package dev.ratelimit.it;

import static dev.ratelimit.it.Http.CLIENT_ID;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Threads sending one GET, as one client, to several servers at once until a deadline, each as fast as the
 * answers come, counting the answers by kind. Every request is bounded in time.
 */
final class Flood {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(2);

    /**
     * The answers one flood got. {@code undecided} are 2xx without a {@code RateLimit} header: calls a
     * fail-open policy let through because Redis could not decide. {@code failures} are requests that got
     * no HTTP answer at all.
     */
    record Tally(
            long decided,
            long undecided,
            long tooMany,
            long serverErrors,
            long otherStatus,
            long failures,
            Histogram latencyMicros) {

        long requests() {
            return decided + undecided + tooMany + serverErrors + otherStatus + failures;
        }

        @Override
        public String toString() {
            return String.format(
                    "%d requests: %d decided 2xx, %d undecided 2xx, %d 429, %d 5xx, %d other, "
                            + "%d without answer; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                    requests(),
                    decided,
                    undecided,
                    tooMany,
                    serverErrors,
                    otherStatus,
                    failures,
                    latencyMicros.getValueAtPercentile(50) / 1000.0,
                    latencyMicros.getValueAtPercentile(99) / 1000.0,
                    latencyMicros.getMaxValue() / 1000.0);
        }
    }

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final ExecutorService threads;
    private final List<Future<?>> workers = new ArrayList<>();
    private final Histogram latency = new Histogram(MAX_LATENCY_MICROS, 3);
    private final LongAdder decided = new LongAdder();
    private final LongAdder undecided = new LongAdder();
    private final LongAdder tooMany = new LongAdder();
    private final LongAdder serverErrors = new LongAdder();
    private final LongAdder otherStatus = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder decidedSinceMark = new LongAdder();
    private final LongAdder undecidedSinceMark = new LongAdder();
    private final CountDownLatch threadsAnswered;
    private final Duration duration;
    private volatile boolean marked;
    private volatile boolean stopped;
    private volatile boolean paused;

    private Flood(int threadCount, Duration duration) {
        this.threads = Executors.newFixedThreadPool(threadCount);
        this.threadsAnswered = new CountDownLatch(threadCount);
        this.duration = duration;
    }

    /** Starts {@code threadsPerServer} threads per server sending {@code GET base/path} as {@code clientId}. */
    static Flood start(List<URL> servers, String path, String clientId, int threadsPerServer, Duration duration) {
        Flood flood = new Flood(servers.size() * threadsPerServer, duration);
        long deadline = System.nanoTime() + duration.toNanos();
        for (URL server : servers) {
            HttpRequest request = HttpRequest.newBuilder(
                            URI.create(server.toString()).resolve(path))
                    .header(CLIENT_ID, clientId)
                    .timeout(REQUEST_TIMEOUT)
                    .GET()
                    .build();
            for (int i = 0; i < threadsPerServer; i++) {
                flood.workers.add(flood.threads.submit(() -> flood.sendUntil(request, deadline)));
            }
        }
        flood.threads.shutdown();
        return flood;
    }

    /**
     * Waits until every thread has had its first answer: until then new connections are being opened, and the
     * flood may not yet ask faster than a bucket refills.
     */
    void awaitFullStrength() throws InterruptedException, TimeoutException {
        if (!threadsAnswered.await(duration.plus(REQUEST_TIMEOUT).toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("some flood threads got no answer within " + duration.plus(REQUEST_TIMEOUT));
        }
    }

    /**
     * From now on, also counts the 2xx answers that arrive apart ({@link #decidedSinceMark()},
     * {@link #undecidedSinceMark()}): an answer counted after this call arrived no earlier than it.
     */
    void mark() {
        marked = true;
    }

    /** The decided 2xx that arrived after {@link #mark()}; 0 without a mark. */
    long decidedSinceMark() {
        return decidedSinceMark.sum();
    }

    /** The undecided 2xx that arrived after {@link #mark()}; 0 without a mark. */
    long undecidedSinceMark() {
        return undecidedSinceMark.sum();
    }

    /** Holds the flood: each thread sends nothing after the request it is waiting on until {@link #resume()}. */
    void pause() {
        paused = true;
    }

    /** Lets a paused flood send again. */
    void resume() {
        paused = false;
    }

    /** Ends the flood before its deadline: each thread sends nothing after the request it is waiting on. */
    void stop() {
        stopped = true;
    }

    /** Waits for the flood's end (its deadline plus the last answers) and returns what it got. */
    Tally await() throws Exception {
        Duration bound = duration.plus(REQUEST_TIMEOUT).plusSeconds(10);
        if (!threads.awaitTermination(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            threads.shutdownNow();
            throw new TimeoutException("the flood did not end within " + bound);
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        synchronized (latency) {
            return new Tally(
                    decided.sum(),
                    undecided.sum(),
                    tooMany.sum(),
                    serverErrors.sum(),
                    otherStatus.sum(),
                    failures.sum(),
                    latency.copy());
        }
    }

    private void sendUntil(HttpRequest request, long deadline) {
        Histogram own = new Histogram(MAX_LATENCY_MICROS, 3);
        try {
            while (!stopped && System.nanoTime() - deadline < 0) {
                if (paused) {
                    idle();
                    continue;
                }
                long started = System.nanoTime();
                count(send(request));
                own.recordValue(
                        Math.min(MAX_LATENCY_MICROS, TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started)));
                if (own.getTotalCount() == 1) {
                    threadsAnswered.countDown();
                }
            }
        } finally {
            if (own.getTotalCount() == 0) {
                threadsAnswered.countDown();
            }
            synchronized (latency) {
                latency.add(own);
            }
        }
    }

    private static void idle() {
        try {
            TimeUnit.MILLISECONDS.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("flood interrupted", e);
        }
    }

    private HttpResponse<Void> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("flood interrupted", e);
        }
    }

    private void count(HttpResponse<Void> response) {
        if (response == null) {
            failures.increment();
            return;
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            boolean wasDecided = response.headers().firstValue("RateLimit").isPresent();
            (wasDecided ? decided : undecided).increment();
            if (marked) {
                (wasDecided ? decidedSinceMark : undecidedSinceMark).increment();
            }
        } else if (status == 429) {
            tooMany.increment();
        } else if (status / 100 == 5) {
            serverErrors.increment();
        } else {
            otherStatus.increment();
        }
    }
}

package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.core.FailureReason;
import dev.ratelimit.testsupport.OwnRedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.CommandObjects;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/** Concurrent commands carried in shared pipelines, against a redis-server of the test's own. */
class PipelinedCallsTest {

    private static final CommandObjects COMMANDS = new CommandObjects(RedisProtocol.RESP2);
    private static final Duration WAIT = Duration.ofMillis(300);

    @RegisterExtension
    static final OwnRedisServer REDIS = new OwnRedisServer();

    private ConnectionPool pool;
    private final AtomicInteger connectionsLent = new AtomicInteger();
    /** The number of calls of each pipeline sent, as the limiter's metrics are told it. */
    private final List<Integer> pipelinesSent = new CopyOnWriteArrayList<>();

    @AfterEach
    void closePool() {
        if (pool != null) {
            pool.close();
        }
    }

    private PipelinedCalls pipelines(int count) {
        return pipelines(count, WAIT);
    }

    /** @param replyTimeout how long a connection waits for a reply, the wait in production */
    private PipelinedCalls pipelines(int count, Duration replyTimeout) {
        ConnectionPoolConfig poolConfig = new ConnectionPoolConfig();
        poolConfig.setMaxTotal(count);
        pool = new ConnectionPool(
                new HostAndPort("127.0.0.1", REDIS.port()),
                DefaultJedisClientConfig.builder()
                        .protocol(RedisProtocol.RESP2)
                        .timeoutMillis(Math.toIntExact(replyTimeout.toMillis()))
                        .build(),
                poolConfig);
        return new PipelinedCalls(
                () -> {
                    connectionsLent.incrementAndGet();
                    return pool.getResource();
                },
                count,
                WAIT,
                pipelinesSent::add);
    }

    private static <T> List<T> inParallel(int callers, Callable<T> call) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(callers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> results = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                results.add(threads.submit(() -> {
                    start.await();
                    return call.call();
                }));
            }
            start.countDown();
            List<T> values = new ArrayList<>();
            for (Future<T> result : results) {
                values.add(result.get(60, TimeUnit.SECONDS));
            }
            return values;
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aLoneCallerSendsItsCommandAtOnceInARoundTripOfItsOwn() {
        PipelinedCalls calls = pipelines(4);

        for (long expected = 1; expected <= 50; expected++) {
            assertThat(calls.execute(COMMANDS.incr("counter"))).isEqualTo(expected);
        }
        assertThat(connectionsLent).hasValue(50);
        assertThat(pipelinesSent).hasSize(50).containsOnly(1);
    }

    @Test
    void manyCallersShareFewConnectionsAndEachGetsItsOwnReplyInItsOwnOrder() throws Exception {
        PipelinedCalls calls = pipelines(2);
        AtomicInteger callerIds = new AtomicInteger();
        int perCaller = 200;

        List<List<Long>> repliesByCaller = inParallel(64, () -> {
            String list = "list:" + callerIds.incrementAndGet();
            List<Long> lengths = new ArrayList<>();
            for (int i = 0; i < perCaller; i++) {
                lengths.add(calls.execute(COMMANDS.rpush(list, Integer.toString(i))));
            }
            return lengths;
        });

        assertThat(repliesByCaller)
                .allSatisfy(lengths -> assertThat(lengths)
                        .containsExactlyElementsOf(
                                LongStream.rangeClosed(1, perCaller).boxed().toList()));
        assertThat(pipelinesSent.stream().mapToInt(Integer::intValue).sum())
                .as("every call is in one pipeline told of")
                .isEqualTo(64 * perCaller);
        assertThat(pipelinesSent).allSatisfy(size -> assertThat(size).isBetween(1, PipelinedCalls.MAX_PIPELINE));
        for (int caller = 1; caller <= 64; caller++) {
            assertThat(REDIS.admin().lrange("list:" + caller, 0, -1))
                    .as("list:" + caller)
                    .containsExactlyElementsOf(LongStream.range(0, perCaller)
                            .mapToObj(Long::toString)
                            .toList());
        }
        assertThat(connectionsLent.get())
                .as("round trips for %d commands", 64 * perCaller)
                .isLessThan(64 * perCaller / 2);
        assertThat(REDIS.admin().clientList().lines().filter(line -> line.contains("cmd=rpush")))
                .as("connections that sent the commands")
                .hasSizeLessThanOrEqualTo(2);
    }

    @Test
    void anErrorReplyFailsItsOwnCallOnly() throws Exception {
        PipelinedCalls calls = pipelines(1);
        REDIS.admin().set("text", "not a number");
        AtomicInteger callerIds = new AtomicInteger();

        List<String> outcomes = inParallel(32, () -> {
            int id = callerIds.incrementAndGet();
            try {
                return "reply " + calls.execute(COMMANDS.incr(id % 2 == 0 ? "text" : "counter:" + id));
            } catch (JedisDataException e) {
                return "error " + e.getMessage().split(" ", -1)[0];
            }
        });

        assertThat(outcomes)
                .containsOnly("reply 1", "error ERR")
                .filteredOn("reply 1"::equals)
                .hasSize(16);
    }

    @Test
    void callsQueuedBehindAFrozenRedisAreWithdrawnAndNeverRun() throws Exception {
        // The pipeline on the wire outwaits the queued calls, which are then withdrawn rather than sent.
        PipelinedCalls calls = pipelines(1, WAIT.multipliedBy(3));
        ExecutorService threads = Executors.newFixedThreadPool(20);
        REDIS.signal("STOP");
        try {
            Future<FailureReason> sent = threads.submit(() -> reasonOf(() -> calls.execute(COMMANDS.incr("counter"))));
            Thread.sleep(WAIT.toMillis() / 3);
            List<Future<FailureReason>> queued = new ArrayList<>();
            for (int i = 0; i < 19; i++) {
                queued.add(threads.submit(() -> reasonOf(() -> calls.execute(COMMANDS.incr("counter")))));
            }

            for (Future<FailureReason> call : queued) {
                assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo(FailureReason.TIMEOUT);
            }
            assertThat(sent.get(10, TimeUnit.SECONDS)).isEqualTo(FailureReason.TIMEOUT);
        } finally {
            REDIS.signal("CONT");
            threads.shutdownNow();
        }
        // The withdrawn calls left the queue: the next call finds at most the one that was on the wire before it.
        assertThat(calls.execute(COMMANDS.incr("counter"))).isLessThanOrEqualTo(2);
    }

    /**
     * The connection dies inside a pipeline (the pipeline's second command kills it): the call after it fails
     * as one that may have run, which the limiter never makes again, not as a stale connection it would retry.
     */
    @Test
    void aPipelineCutAfterSomeRepliesFailsTheRestAsMayHaveRun() throws Exception {
        ConnectionPoolConfig poolConfig = new ConnectionPoolConfig();
        poolConfig.setMaxTotal(1);
        pool = new ConnectionPool(
                new HostAndPort("127.0.0.1", REDIS.port()),
                DefaultJedisClientConfig.builder()
                        .protocol(RedisProtocol.RESP2)
                        .timeoutMillis(10_000)
                        .build(),
                poolConfig);
        PipelinedCalls calls = new PipelinedCalls(pool::getResource, 1, Duration.ofSeconds(10), pipelinesSent::add);
        calls.execute(COMMANDS.set("warm", "up"));
        String pooledConnection = REDIS.admin()
                .clientList()
                .lines()
                .filter(line -> line.contains("cmd=set"))
                .map(line -> line.replaceAll("^id=(\\d+) .*", "$1"))
                .findFirst()
                .orElseThrow();
        CommandObject<Long> killItsOwnConnection = new CommandObject<>(
                new CommandArguments(Protocol.Command.CLIENT)
                        .add("KILL")
                        .add("ID")
                        .add(pooledConnection)
                        .add("SKIPME")
                        .add("no"),
                BuilderFactory.LONG);

        REDIS.signal("STOP");
        List<CompletableFuture<Object>> pipelined = new ArrayList<>();
        try {
            // The first call holds the only pipeline while Redis is frozen; the next three queue behind it, in order.
            CompletableFuture<Object> holding = callOnItsOwnThread(calls, COMMANDS.incr("holding"));
            // It sends at once, and then waits on the socket for a reply (a thread state that looks RUNNABLE).
            Thread.sleep(1000);
            for (CommandObject<?> command :
                    List.of(COMMANDS.incr("before"), killItsOwnConnection, COMMANDS.incr("after"))) {
                pipelined.add(queuedCall(calls, command));
            }
            REDIS.signal("CONT");
            assertThat(holding.get(20, TimeUnit.SECONDS)).isEqualTo(1L);
            assertThat(pipelined.get(0).get(20, TimeUnit.SECONDS)).isEqualTo(1L);
            assertThat(pipelined.get(1).get(20, TimeUnit.SECONDS)).isEqualTo(1L);
            assertThatThrownBy(() -> pipelined.get(2).get(20, TimeUnit.SECONDS))
                    .cause()
                    .isExactlyInstanceOf(JedisException.class)
                    .hasMessageContaining("may have run")
                    .satisfies(e -> assertThat(RedisFailures.reasonFor((JedisException) e))
                            .isEqualTo(FailureReason.CONNECTION));
        } finally {
            REDIS.signal("CONT");
        }
        assertThat(REDIS.admin().exists("after")).isFalse();
        assertThat(calls.execute(COMMANDS.incr("after"))).as("a new connection").isEqualTo(1L);
    }

    @Test
    void aClosedPoolFailsTheCallsInsteadOfHoldingThem() {
        PipelinedCalls calls = pipelines(1);
        pool.close();

        assertThatThrownBy(() -> calls.execute(COMMANDS.incr("counter"))).isInstanceOf(JedisException.class);
        assertThat(REDIS.admin().exists("counter")).isFalse();
    }

    private static CompletableFuture<Object> callOnItsOwnThread(PipelinedCalls calls, CommandObject<?> command) {
        return CompletableFuture.supplyAsync(() -> calls.execute(command), runnable -> new Thread(runnable).start());
    }

    /** Runs the call on a thread of its own, and returns once that thread is parked in the queue. */
    private static CompletableFuture<Object> queuedCall(PipelinedCalls calls, CommandObject<?> command)
            throws InterruptedException {
        Thread[] caller = new Thread[1];
        CompletableFuture<Object> result = CompletableFuture.supplyAsync(() -> calls.execute(command), runnable -> {
            caller[0] = new Thread(runnable);
            caller[0].start();
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (caller[0].getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime() - deadline)
                    .as("the call waits in the queue")
                    .isNegative();
            Thread.sleep(10);
        }
        return result;
    }

    private static FailureReason reasonOf(Runnable call) {
        try {
            call.run();
            return null;
        } catch (JedisException e) {
            return RedisFailures.reasonFor(e);
        }
    }
}

package dev.ratelimit.redis;

import dev.ratelimit.core.Durations;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The commands that concurrent decisions send to one Redis node, carried in as few round trips as the load
 * allows. Each caller queues its command, then, if one of the node's {@code pipelines} is free, sends every
 * command queued at that moment, its own among them, as one pipeline on one pooled connection, and hands
 * each reply to its caller; callers that find every pipeline busy wait for theirs, and the next free
 * pipeline takes them all. Alone, a caller sends its command at once, in a round trip of its own, on its own
 * thread: nothing is handed to another thread and nothing waits for company.
 *
 * <p>Redis runs a pipeline's commands one after another, in order, each script atomic: a decision is still
 * one EVALSHA, and the decisions of one key keep the order they were queued in. No decision needs a
 * connection of its own, so hundreds of concurrent decisions share the few connections the pool holds.
 *
 * <p>A queued command not sent within the wait is withdrawn and fails as a timeout: it never reaches Redis.
 * Once sent, its caller waits for its reply at most one wait more; a reply not read by then fails as a
 * timeout too, and Redis may have run it, as with any timeout. An interrupted caller withdraws its command
 * the same way.
 */
final class PipelinedCalls {

    private static final Logger LOG = Logger.getLogger(PipelinedCalls.class.getName());

    /** Caps one pipeline, so that a burst is sent in several rather than one that holds every caller. */
    static final int MAX_PIPELINE = 256;

    private final Supplier<Connection> connections;
    private final IntConsumer sent;
    private final Semaphore pipelines;
    /** How long a call may stay queued, and then how long its reply may take. */
    private final long waitNanos;

    private final Queue<Call<?>> queued = new ConcurrentLinkedQueue<>();

    /**
     * @param connections lends a pooled connection to the node, given back by closing it
     * @param pipelines   how many pipelines may be in flight to the node at once: at most the pool's size
     * @param wait        how long a command may stay queued, and then how long its reply may take
     * @param sent        told the number of calls of each pipeline sent
     */
    PipelinedCalls(Supplier<Connection> connections, int pipelines, Duration wait, IntConsumer sent) {
        this.connections = connections;
        this.sent = sent;
        this.pipelines = new Semaphore(pipelines);
        this.waitNanos = wait.toNanos();
    }

    /** Runs the command once on the node, in the next pipeline, and returns its reply. */
    <T> T execute(CommandObject<T> command) {
        Call<T> call = new Call<>(command, Thread.currentThread());
        long queuedAt = System.nanoTime();
        queued.add(call);
        while (!call.isDone()) {
            // Once another caller sent this call, there is nothing to lead: its reply is on the way.
            if (call.isQueued() && pipelines.tryAcquire()) {
                try {
                    sendQueued();
                } finally {
                    pipelines.release();
                    wakeFirstQueued();
                }
                continue;
            }
            long waited = System.nanoTime() - queuedAt;
            if (waited >= waitNanos && call.withdraw()) {
                queued.remove(call);
                // This caller may have been woken to send: the next one is.
                wakeFirstQueued();
                throw timeout("not sent within " + Durations.format(Duration.ofNanos(waitNanos))
                        + ": every connection to the node was waiting for replies");
            }
            if (waited >= 2 * waitNanos) {
                throw timeout("no reply within " + Durations.format(Duration.ofNanos(waitNanos)));
            }
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                if (call.withdraw()) {
                    queued.remove(call);
                    wakeFirstQueued();
                }
                throw new JedisException("interrupted while waiting for Redis");
            }
            LockSupport.parkNanos(this, (call.isQueued() ? waitNanos : 2 * waitNanos) - waited);
        }
        return call.result();
    }

    private static JedisConnectionException timeout(String message) {
        return new JedisConnectionException(message, new SocketTimeoutException(message));
    }

    /** Sends the calls queued now, at most one pipeline's worth, on one connection, and completes each. */
    private void sendQueued() {
        List<Call<?>> pipeline = new ArrayList<>();
        Call<?> next;
        while (pipeline.size() < MAX_PIPELINE && (next = queued.poll()) != null) {
            if (next.claimForSending()) {
                pipeline.add(next);
            }
        }
        if (pipeline.isEmpty()) {
            return;
        }
        int replied = 0;
        Connection connection = null;
        try {
            connection = connections.get();
            for (Call<?> call : pipeline) {
                connection.sendCommand(call.command.getArguments());
            }
            sent.accept(pipeline.size());
            for (Call<?> call : pipeline) {
                call.completeWith(connection);
                replied++;
            }
        } catch (RuntimeException | Error e) {
            if (connection != null) {
                // Replies may be left unread on it: it must never serve another pipeline.
                connection.setBroken();
            }
            RuntimeException failure = replied == 0 && e instanceof RuntimeException unanswered
                    ? unanswered
                    // Redis was running this pipeline: the calls left may have run too, and are not to be made again.
                    : new JedisException(
                            "a pipeline to Redis failed after " + replied + " of its " + pipeline.size()
                                    + " replies: this call may have run",
                            e);
            for (Call<?> call : pipeline.subList(replied, pipeline.size())) {
                call.fail(failure);
            }
            if (e instanceof Error error) {
                throw error;
            }
        } finally {
            if (connection != null) {
                giveBack(connection);
            }
        }
    }

    /**
     * Gives a connection back to its pool, which may have closed meanwhile: every call of a pipeline has its answer
     * by then, and a connection not yet used has none to lose, so a pool failing to take it back changes nothing.
     */
    static void giveBack(Connection connection) {
        try {
            connection.close();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "A connection to Redis could not be given back to its pool", e);
        }
    }

    /** Lets the oldest waiting caller send the calls queued meanwhile, now that a pipeline is free. */
    private void wakeFirstQueued() {
        for (Call<?> call : queued) {
            if (call.isQueued()) {
                LockSupport.unpark(call.caller);
                return;
            }
        }
    }

    private static final class Call<T> {

        private static final int QUEUED = 0;
        private static final int SENT = 1;
        private static final int WITHDRAWN = 2;

        final CommandObject<T> command;
        final Thread caller;
        private final AtomicInteger state = new AtomicInteger(QUEUED);
        private volatile boolean done;
        private T reply;
        private RuntimeException failure;

        Call(CommandObject<T> command, Thread caller) {
            this.command = command;
            this.caller = caller;
        }

        boolean isQueued() {
            return state.get() == QUEUED;
        }

        boolean claimForSending() {
            return state.compareAndSet(QUEUED, SENT);
        }

        boolean withdraw() {
            return state.compareAndSet(QUEUED, WITHDRAWN);
        }

        boolean isDone() {
            return done;
        }

        /** Reads this call's reply, the next on the connection; an error reply is this call's failure only. */
        void completeWith(Connection connection) {
            try {
                reply = command.getBuilder().build(connection.getOne());
            } catch (JedisDataException errorReply) {
                failure = errorReply;
            }
            finish();
        }

        void fail(RuntimeException e) {
            failure = e;
            finish();
        }

        private void finish() {
            // The volatile write publishes reply and failure to the caller, which reads done first.
            done = true;
            LockSupport.unpark(caller);
        }

        T result() {
            if (failure != null) {
                throw failure;
            }
            return reply;
        }
    }
}

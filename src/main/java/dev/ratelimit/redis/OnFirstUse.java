package dev.ratelimit.redis;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.logging.Level;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.providers.ConnectionProvider;

/**
 * A provider made at the first call that needs it, since making one asks Redis (the cluster's slot map,
 * the Sentinels' primary): an application must deploy while Redis is down. A failed attempt is made again
 * by a later call, never by the same one; calls arriving meanwhile wait for it no longer than a command.
 * Its failures are never {@link JedisConnectionException}s, which the limiter would answer with a second
 * attempt.
 */
final class OnFirstUse<P extends ConnectionProvider> implements AutoCloseable {

    private final Supplier<P> make;
    private final Duration maxWait;
    private final ReentrantLock making = new ReentrantLock();
    private volatile P provider;
    private volatile boolean closed;

    OnFirstUse(Supplier<P> make, Duration maxWait) {
        this.make = make;
        this.maxWait = maxWait;
    }

    P ifMade() {
        return provider;
    }

    P get() {
        P made = provider;
        if (closed) {
            throw new JedisException("the limiter is closed");
        }
        if (made != null) {
            return made;
        }
        try {
            if (!making.tryLock(maxWait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new JedisException("another call is still connecting to Redis");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JedisException("interrupted while waiting to connect to Redis", e);
        }
        try {
            if (closed) {
                throw new JedisException("the limiter is closed");
            }
            if (provider == null) {
                provider = make.get();
            }
            return provider;
        } catch (JedisConnectionException e) {
            throw new JedisException(e.getMessage(), e);
        } finally {
            making.unlock();
        }
    }

    @Override
    public void close() {
        making.lock();
        try {
            closed = true;
            if (provider != null) {
                provider.close();
            }
        } catch (Exception e) {
            // Jedis' providers declare none: what would one mean at shutdown but a connection already gone?
            RedisNodes.LOG.log(Level.FINE, "Closing the Redis connections failed", e);
        } finally {
            making.unlock();
        }
    }
}

package dev.ratelimit.redis;

import dev.ratelimit.core.Durations;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach Redis and name keys there. The timeouts bound how long a decision can wait on Redis before
 * its policy's failure mode decides: for its turn in a pipeline or a new connection, then for one reply.
 * {@link #defaults()} and {@link #builder()} carry the defaults, so no configuration framework is needed.
 */
public final class RedisSettings {

    /** Jedis takes its timeouts as an int of milliseconds. */
    private static final Duration MAX_TIMEOUT = Duration.ofMillis(Integer.MAX_VALUE);

    /**
     * The values, held in a copy of the builder that made them, which nothing changes: the settings and their
     * builder share one list of fields, copied alike by {@link Builder#build()} and {@link #toBuilder()}.
     */
    private final Builder values;

    private RedisSettings(Builder builder) {
        this.values = new Builder(builder);
    }

    /**
     * The settings of a builder given nothing, each readable here:
     *
     * <ul>
     *   <li>{@link #url()} {@code redis://127.0.0.1:6379}: one Redis ({@link #topology()} {@link
     *       RedisTopology#STANDALONE}), database 0, without TLS;
     *   <li>{@link #connectTimeout()} and {@link #commandTimeout()} 500 ms each;
     *   <li>{@link #poolSize()} 8 connections per node;
     *   <li>{@link #shieldSize()} 10,000 buckets, and {@link #leasedBuckets()} 10,000;
     *   <li>{@link #keyPrefix()} {@code ratelimit:};
     *   <li>{@link #breakerWindow()} 10 calls, {@link #breakerFailureRate()} 50 percent and {@link
     *       #breakerOpenFor()} 1 s: a circuit breaker that opens when half of the last 10 calls met an outage,
     *       for 1 s, then lets 3 calls through to probe Redis;
     *   <li>{@link #user()} and {@link #sentinelUser()} none, and no passwords: the {@code default} user, without
     *       logging in;
     *   <li>{@link #truststore()} and {@link #truststoreType()} none: a {@code rediss://} server is trusted by the
     *       JVM's trust store.
     * </ul>
     */
    public static RedisSettings defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults: see {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder starting from these settings, passwords and truststore included, so that
     * {@code settings.toBuilder().commandTimeout(timeout).build()} changes that setting and keeps the others.
     * The truststore is not read again.
     */
    public Builder toBuilder() {
        return new Builder(values);
    }

    /** The URL of the Redis, Redis Cluster or Sentinels to use: see {@link Builder#url(String)}. */
    public URI url() {
        return values.url.uri();
    }

    /** The deployment the URL names. */
    public RedisTopology topology() {
        return values.url.topology();
    }

    RedisUrl redisUrl() {
        return values.url;
    }

    /** How long to wait for a new connection. */
    public Duration connectTimeout() {
        return values.connectTimeout;
    }

    /** How long to wait for a reply, and for a decision to be sent while every connection waits for replies. */
    public Duration commandTimeout() {
        return values.commandTimeout;
    }

    /**
     * Connections kept open at most, to each Redis node: as many pipelines of concurrent decisions in flight to
     * it at once. Not the number of concurrent callers, which share them.
     */
    public int poolSize() {
        return values.poolSize;
    }

    /**
     * Buckets the hot-key shield remembers at most: refused by Redis, answered by this instance until their
     * retry-after without asking Redis again. 0 when the shield is off.
     */
    public int shieldSize() {
        return values.shieldSize;
    }

    /**
     * Buckets of leasing policies this instance keeps a lease and the demand it sees for, at most; one evicted
     * gives its lease back.
     */
    public int leasedBuckets() {
        return values.leasedBuckets;
    }

    /** What every key of the limiter starts with. */
    public String keyPrefix() {
        return values.keyPrefix;
    }

    /** How many of the latest calls the circuit breaker weighs; it opens no sooner than after that many. */
    public int breakerWindow() {
        return values.breakerWindow;
    }

    /** The share of failed calls, in percent of the window, at which the circuit breaker opens. */
    public int breakerFailureRate() {
        return values.breakerFailureRate;
    }

    /** How long the open circuit breaker keeps decisions from asking Redis before it probes again. */
    public Duration breakerOpenFor() {
        return values.breakerOpenFor;
    }

    /** Calls let through to probe Redis when the breaker's open time is over. */
    int breakerProbes() {
        return Math.min(3, values.breakerWindow);
    }

    /** The ACL user given apart from the URL, if any. */
    public Optional<String> user() {
        return Optional.ofNullable(values.user);
    }

    /** The ACL user to log in to the Sentinels as, if they require one. */
    public Optional<String> sentinelUser() {
        return Optional.ofNullable(values.sentinelUser);
    }

    /** The keystore file of the certificates a {@code rediss://} server is trusted by, if not the JVM's. */
    public Optional<Path> truststore() {
        return Optional.ofNullable(values.truststore).map(Truststore::file);
    }

    /** The password given apart from the URL, if any: for logging in, never to be shown. */
    Optional<String> password() {
        return Optional.ofNullable(values.password);
    }

    /** The password of the Sentinels, if they require one: for logging in, never to be shown. */
    Optional<String> sentinelPassword() {
        return Optional.ofNullable(values.sentinelPassword);
    }

    /** The keystore a {@code rediss://} server is trusted by, as read, if not the JVM's. */
    Optional<Truststore> loadedTruststore() {
        return Optional.ofNullable(values.truststore);
    }

    /** The type of the keystore {@link #truststore()} names, as read from it ({@code PKCS12}, {@code JKS}, ...). */
    public Optional<String> truststoreType() {
        return Optional.ofNullable(values.truststore).map(Truststore::type);
    }

    /** The passwords these settings hold, wherever given, for hiding them in text that might echo one. */
    List<String> secrets() {
        List<String> secrets = new ArrayList<>();
        for (String secret : new String[] {values.password, values.url.password(), values.sentinelPassword}) {
            if (secret != null) {
                secrets.add(secret);
            }
        }
        if (values.truststore != null && values.truststore.password() != null) {
            secrets.add(new String(values.truststore.password()));
        }
        return secrets;
    }

    @Override
    public String toString() {
        return "RedisSettings[url=" + values.url
                + (values.user != null ? ", user=" + values.user : "")
                + (values.password != null ? ", password=***" : "")
                + (values.sentinelUser != null ? ", sentinelUser=" + values.sentinelUser : "")
                + (values.sentinelPassword != null ? ", sentinelPassword=***" : "")
                + (values.truststore != null
                        ? ", truststore=" + values.truststore.file() + " (" + values.truststore.type() + ")"
                        : "")
                + ", connectTimeout=" + Durations.format(values.connectTimeout) + ", commandTimeout="
                + Durations.format(values.commandTimeout) + ", poolSize="
                + values.poolSize + ", shieldSize=" + values.shieldSize + ", leasedBuckets=" + values.leasedBuckets
                + ", keyPrefix=" + values.keyPrefix
                + ", breakerWindow="
                + values.breakerWindow + ", breakerFailureRate=" + values.breakerFailureRate + ", breakerOpenFor="
                + Durations.format(values.breakerOpenFor) + "]";
    }

    /** One of the settings of {@link Builder}, for naming the ones at fault. */
    public enum Setting {
        URL,
        USER,
        PASSWORD,
        TRUSTSTORE,
        TRUSTSTORE_PASSWORD,
        TRUSTSTORE_TYPE,
        SENTINEL_USER,
        SENTINEL_PASSWORD
    }

    /** Settings that cannot work, alone or together: {@link #settings()} names them; no message shows a secret. */
    public static final class InvalidSettingException extends IllegalArgumentException {

        private final transient List<Setting> settings;

        InvalidSettingException(String message, Setting... settings) {
            super(message);
            this.settings = List.of(settings);
        }

        public List<Setting> settings() {
            return settings;
        }
    }

    /**
     * Starts from the defaults, or from the settings {@link RedisSettings#toBuilder()} was called on; each setter
     * refuses a value that cannot work, naming the problem.
     */
    public static final class Builder {

        private RedisUrl url = RedisUrl.parse("redis://127.0.0.1");
        // The slowest healthy round trip measured with the host saturated (433 ms, 256 callers on 2 cores),
        // plus a margin: a busy host must not pass for a sick Redis. The breaker bounds what a sick one costs.
        private Duration connectTimeout = Duration.ofMillis(500);
        private Duration commandTimeout = Duration.ofMillis(500);
        private int poolSize = 8;
        private int shieldSize = 10_000;
        private int leasedBuckets = 10_000;
        private String keyPrefix = "ratelimit:";
        private int breakerWindow = 10;
        private int breakerFailureRate = 50;
        private Duration breakerOpenFor = Duration.ofSeconds(1);
        private String user;
        private String password;
        private Truststore truststore;
        private String sentinelUser;
        private String sentinelPassword;

        private Builder() {}

        private Builder(Builder from) {
            this.url = from.url;
            this.connectTimeout = from.connectTimeout;
            this.commandTimeout = from.commandTimeout;
            this.poolSize = from.poolSize;
            this.shieldSize = from.shieldSize;
            this.leasedBuckets = from.leasedBuckets;
            this.keyPrefix = from.keyPrefix;
            this.breakerWindow = from.breakerWindow;
            this.breakerFailureRate = from.breakerFailureRate;
            this.breakerOpenFor = from.breakerOpenFor;
            this.user = from.user;
            this.password = from.password;
            this.truststore = from.truststore;
            this.sentinelUser = from.sentinelUser;
            this.sentinelPassword = from.sentinelPassword;
        }

        /**
         * Where the keys live.
         *
         * @param url one Redis, {@code redis://[[user]:password@]host[:port][/db]}; a Redis Cluster,
         *            {@code redis-cluster://[[user]:password@]host[:port],host[:port],...}; or the primary
         *            Sentinels follow, {@code redis-sentinel://[[user]:password@]host[:port],...[/db]#master};
         *            {@code rediss} instead of {@code redis} for TLS
         * @throws IllegalArgumentException showing the URL with its password hidden
         */
        public Builder url(String url) {
            this.url = RedisUrl.parse(Objects.requireNonNull(url, "url").trim());
            return this;
        }

        /**
         * How long to wait for a new connection.
         *
         * @throws IllegalArgumentException unless between 1 ms and about 24 days
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = requireValidTimeout(timeout);
            return this;
        }

        /**
         * How long to wait for a reply, and for a turn in a pipeline.
         *
         * @throws IllegalArgumentException unless between 1 ms and about 24 days
         */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = requireValidTimeout(timeout);
            return this;
        }

        /**
         * Connections kept open at most to each Redis node.
         *
         * @throws IllegalArgumentException unless at least 1
         */
        public Builder poolSize(int poolSize) {
            if (poolSize < 1) {
                throw new IllegalArgumentException("must be at least 1, was " + poolSize);
            }
            this.poolSize = poolSize;
            return this;
        }

        /** Buckets the hot-key shield remembers at most, each about 200 bytes of heap; 0 turns it off. */
        public Builder shieldSize(int maxEntries) {
            if (maxEntries < 0) {
                throw new IllegalArgumentException("must be 0 (off) or more, was " + maxEntries);
            }
            this.shieldSize = maxEntries;
            return this;
        }

        /** Buckets of leasing policies with a lease kept at most, each a few hundred bytes of heap. */
        public Builder leasedBuckets(int maxEntries) {
            if (maxEntries < 1) {
                throw new IllegalArgumentException("must be at least 1, was " + maxEntries);
            }
            this.leasedBuckets = maxEntries;
            return this;
        }

        /**
         * What every key of the limiter starts with.
         *
         * @throws IllegalArgumentException unless at most 64 characters without braces or spaces
         */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = BucketKeys.requireValidPrefix(keyPrefix);
            return this;
        }

        /**
         * How many of the latest calls the circuit breaker weighs.
         *
         * @throws IllegalArgumentException unless between 1 and 1000 calls
         */
        public Builder breakerWindow(int calls) {
            if (calls < 1 || calls > 1000) {
                throw new IllegalArgumentException("must be between 1 and 1000 calls, was " + calls);
            }
            this.breakerWindow = calls;
            return this;
        }

        /**
         * The share of failed calls at which the circuit breaker opens.
         *
         * @throws IllegalArgumentException unless between 1 and 100 percent
         */
        public Builder breakerFailureRate(int percent) {
            if (percent < 1 || percent > 100) {
                throw new IllegalArgumentException("must be between 1 and 100 percent, was " + percent);
            }
            this.breakerFailureRate = percent;
            return this;
        }

        /**
         * How long the open circuit breaker keeps decisions from asking Redis.
         *
         * @throws IllegalArgumentException unless between 1 ms and about 24 days
         */
        public Builder breakerOpenFor(Duration duration) {
            this.breakerOpenFor = requireValidTimeout(duration);
            return this;
        }

        /**
         * The ACL user to authenticate as, given apart from the URL (which then holds no credentials); needs
         * {@link #password(String)}.
         */
        public Builder user(String user) {
            this.user = requireNonBlank(user, Setting.USER);
            return this;
        }

        /**
         * The password to authenticate with, as the {@code default} user unless {@link #user(String)} names
         * one; given apart from the URL (which then holds no credentials), so that it can come from a secret.
         */
        public Builder password(String password) {
            this.password = requireNonBlank(password, Setting.PASSWORD);
            return this;
        }

        /** The ACL user to log in to the Sentinels as, when they require one; needs {@link #sentinelPassword}. */
        public Builder sentinelUser(String user) {
            this.sentinelUser = requireNonBlank(user, Setting.SENTINEL_USER);
            return this;
        }

        /**
         * The password of the Sentinels, when they require one ({@code requirepass} in their configuration);
         * the URL's credentials are the primary's.
         */
        public Builder sentinelPassword(String password) {
            this.sentinelPassword = requireNonBlank(password, Setting.SENTINEL_PASSWORD);
            return this;
        }

        /**
         * Trusts the certificates of this keystore instead of the JVM's trust store; needs a {@code rediss://}
         * URL. The file is read now, to refuse it before any connection.
         *
         * @param password the keystore's password, or {@code null} for a store readable without one
         * @param type     {@code PKCS12}, {@code JKS}, ..., or {@code null} to tell from the file
         * @throws InvalidSettingException naming the part at fault: the file, its password or its type
         */
        public Builder truststore(Path file, char[] password, String type) {
            this.truststore = Truststore.load(Objects.requireNonNull(file, "file"), password, type);
            return this;
        }

        /**
         * The settings given so far, the defaults for the others.
         *
         * @throws InvalidSettingException for settings that contradict each other
         */
        public RedisSettings build() {
            if ((url.user() != null || url.password() != null) && (user != null || password != null)) {
                List<Setting> apart = new ArrayList<>(List.of(Setting.URL));
                if (user != null) {
                    apart.add(Setting.USER);
                }
                if (password != null) {
                    apart.add(Setting.PASSWORD);
                }
                throw new InvalidSettingException(
                        "credentials are given both in the URL and apart from it:" + " give them in one place",
                        apart.toArray(Setting[]::new));
            }
            if (user != null && password == null) {
                throw new InvalidSettingException("a user needs a password", Setting.USER, Setting.PASSWORD);
            }
            if (truststore != null && !url.tls()) {
                throw new InvalidSettingException(
                        "a truststore is only used with TLS, a rediss://,"
                                + " rediss-cluster:// or rediss-sentinel:// URL, was " + url,
                        Setting.TRUSTSTORE,
                        Setting.URL);
            }
            if (url.topology() != RedisTopology.SENTINEL && (sentinelUser != null || sentinelPassword != null)) {
                throw new InvalidSettingException(
                        "Sentinel credentials are only used with a redis-sentinel:// URL," + " was " + url,
                        sentinelUser != null ? Setting.SENTINEL_USER : Setting.SENTINEL_PASSWORD,
                        Setting.URL);
            }
            if (sentinelUser != null && sentinelPassword == null) {
                throw new InvalidSettingException(
                        "a Sentinel user needs a Sentinel password", Setting.SENTINEL_USER, Setting.SENTINEL_PASSWORD);
            }
            return new RedisSettings(this);
        }

        private static String requireNonBlank(String value, Setting setting) {
            if (value == null || value.isBlank()) {
                throw new InvalidSettingException("must not be blank", setting);
            }
            return value;
        }

        private static Duration requireValidTimeout(Duration timeout) {
            if (timeout == null || timeout.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException(
                        "must be at least 1ms, was " + (timeout == null ? "none" : Durations.format(timeout)));
            }
            if (timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException(
                        "must be at most " + Durations.format(MAX_TIMEOUT) + ", was " + Durations.format(timeout));
            }
            return timeout;
        }
    }
}

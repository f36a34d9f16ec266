package dev.ratelimit.integration.config;

import dev.ratelimit.core.ClientIdSecret;
import dev.ratelimit.core.Durations;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.Leasing;
import dev.ratelimit.integration.http.ClientIdSource;
import dev.ratelimit.integration.http.MissingClientIdRule;
import dev.ratelimit.integration.http.Networks;
import dev.ratelimit.integration.http.TierSource;
import dev.ratelimit.integration.http.TrustedProxies;
import dev.ratelimit.redis.RedisSettings;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Every configuration key the limiter reads: its name, its default, how its value is read and what it means. The
 * one list that the resolution of policies, the reading of the shared settings, the unknown-key check, the reloads
 * and the configuration reference all go by, so that none of them can know a key the others do not.
 */
public final class ConfigKeys {

    /**
     * One key.
     *
     * @param name              the whole key of a shared or global setting; the property of a policy or band
     * @param defaultValue      the value that applies when none is configured, written as configuration writes it;
     *                          empty when there is none
     * @param documentedDefault the default as the configuration reference writes it: the value, {@code none}, or
     *                          the property it is taken from
     * @param parser            reads a configured value, refusing one that cannot work with a message to follow
     *                          the key's name
     * @param visibility        whether messages may show the value, and whether it is trimmed
     * @param meaning           one line on what it does
     * @param <T>               the type the value is read as
     */
    public record Key<T>(
            String name,
            Optional<String> defaultValue,
            String documentedDefault,
            Function<String, T> parser,
            Visibility visibility,
            String meaning) {

        /**
         * The configured value, read; trimmed first unless it is a secret.
         *
         * @throws IllegalArgumentException saying what is wrong with it, never showing a hidden value
         */
        public T parse(String value) {
            return parser.apply(visibility == Visibility.SECRET ? value : value.trim());
        }

        /** Whether a message may show the configured value beside the key. */
        public boolean shown() {
            return visibility == Visibility.SHOWN;
        }

        /** The default, read as a configured value would be; empty when there is none. */
        public Optional<T> builtIn() {
            return defaultValue.map(this::parse);
        }
    }

    /** What messages may tell of a key's value. */
    public enum Visibility {
        /** Shown beside the key. */
        SHOWN,
        /** Never shown: it may hold a secret (a URL's password). Trimmed like any value. */
        HIDDEN,
        /** A secret, never shown and taken as written: a password must equal the server's to the last space. */
        SECRET
    }

    private static final RedisSettings REDIS = RedisSettings.defaults();

    public static final Key<String> REDIS_URL = new Key<>(
            "ratelimit.redis.url",
            Optional.of(REDIS.url().toString()),
            REDIS.url().toString(),
            Function.identity(),
            Visibility.HIDDEN,
            "The Redis, Redis Cluster or Sentinels holding the buckets: redis://, redis-cluster://, redis-sentinel://,"
                    + " rediss... for TLS");
    public static final Key<String> REDIS_USER =
            shared("ratelimit.redis.user", null, Function.identity(), "The ACL user, given apart from the URL");
    public static final Key<String> REDIS_PASSWORD = secret(
            "ratelimit.redis.password", "The password, given apart from the URL (e.g. from a secret); never shown");
    public static final Key<Path> TRUSTSTORE = shared(
            "ratelimit.redis.truststore",
            null,
            ConfigKeys::path,
            "A PKCS12 or JKS file of the certificates a rediss:// server is trusted by, instead of the JVM's");
    public static final Key<String> TRUSTSTORE_PASSWORD =
            secret("ratelimit.redis.truststore-password", "The truststore's password; never shown");
    public static final Key<String> TRUSTSTORE_TYPE = shared(
            "ratelimit.redis.truststore-type",
            null,
            Function.identity(),
            "The truststore's type (PKCS12, JKS, ...), when the file does not tell");
    public static final Key<String> SENTINEL_USER = shared(
            "ratelimit.redis.sentinel.user", null, Function.identity(), "The ACL user to log in to the Sentinels as");
    public static final Key<String> SENTINEL_PASSWORD =
            secret("ratelimit.redis.sentinel.password", "The Sentinels' password; never shown");
    public static final Key<Duration> CONNECT_TIMEOUT = shared(
            "ratelimit.redis.connect-timeout",
            Durations.format(REDIS.connectTimeout()),
            Durations::parse,
            "How long a decision waits for a new connection to Redis");
    public static final Key<Duration> COMMAND_TIMEOUT = shared(
            "ratelimit.redis.command-timeout",
            Durations.format(REDIS.commandTimeout()),
            Durations::parse,
            "How long a decision waits for its turn on a connection, then for Redis' reply");
    public static final Key<Integer> POOL_SIZE = shared(
            "ratelimit.redis.pool-size",
            Integer.toString(REDIS.poolSize()),
            ConfigKeys::wholeNumber,
            "Connections to each Redis node, shared by every decision in flight, pipelined");
    public static final Key<String> KEY_PREFIX = shared(
            "ratelimit.redis.key-prefix", REDIS.keyPrefix(), Function.identity(), "What every Redis key starts with");
    public static final Key<Boolean> SHIELD_ENABLED = shared(
            "ratelimit.redis.shield.enabled",
            "true",
            ConfigKeys::bool,
            "Whether a bucket Redis refused is refused here until its retry-after, without asking Redis");
    public static final Key<Integer> SHIELD_MAX_ENTRIES = shared(
            "ratelimit.redis.shield.max-entries",
            Integer.toString(REDIS.shieldSize()),
            text -> atLeastOne(wholeNumber(text)),
            "Refused buckets the shield remembers at most");
    public static final Key<Integer> LEASED_BUCKETS = shared(
            "ratelimit.redis.lease.max-buckets",
            Integer.toString(REDIS.leasedBuckets()),
            text -> atLeastOne(wholeNumber(text)),
            "Buckets of leasing policies this instance holds a lease of at most; one evicted gives it back");
    public static final Key<Integer> BREAKER_WINDOW = shared(
            "ratelimit.redis.breaker.window",
            Integer.toString(REDIS.breakerWindow()),
            ConfigKeys::wholeNumber,
            "How many of a node's latest calls its circuit breaker weighs");
    public static final Key<Integer> BREAKER_FAILURE_RATE = shared(
            "ratelimit.redis.breaker.failure-rate",
            Integer.toString(REDIS.breakerFailureRate()),
            ConfigKeys::wholeNumber,
            "The percentage of those calls failing that opens the breaker");
    public static final Key<Duration> BREAKER_OPEN_FOR = shared(
            "ratelimit.redis.breaker.open-for",
            Durations.format(REDIS.breakerOpenFor()),
            Durations::parse,
            "How long an open breaker answers by the failure mode before it probes Redis again");
    public static final Key<TrustedProxies> TRUSTED_PROXIES = shared(
            "ratelimit.trusted-proxies",
            null,
            text -> TrustedProxies.of(commaList(text)),
            "Addresses and CIDR networks of the proxies whose X-Forwarded-For is believed");
    public static final Key<Integer> INSTANCES = shared(
            "ratelimit.instances",
            "1",
            text -> atLeastOne(wholeNumber(text)),
            "How many instances share each policy: a local bucket holds that fraction of it");
    public static final Key<Integer> MAX_LOCAL_CLIENTS = shared(
            "ratelimit.local.max-clients",
            "10000",
            text -> atLeastOne(wholeNumber(text)),
            "Local buckets kept per policy at most, for failure-mode local");
    public static final Key<ClientIdSecret> CLIENT_ID_SECRET = new Key<>(
            "ratelimit.client-id-secret",
            Optional.empty(),
            "none",
            ClientIdSecret::of,
            Visibility.HIDDEN,
            "A secret of 32 bytes or more: every client id is stored as its HMAC-SHA-256; never shown");
    /** A /64 is what one IPv6 subscriber or host usually gets: grouping less lets one caller hold 2^64 ids. */
    public static final Key<Integer> IPV6_PREFIX_LENGTH = shared(
            "ratelimit.ipv6-prefix-length",
            "64",
            text -> ipv6PrefixLength(wholeNumber(text)),
            "The leading bits of an IPv6 caller's address that make its remote-address id");

    public static final Key<Boolean> READINESS_REQUIRES_REDIS = shared(
            "ratelimit.health.readiness-requires-redis",
            "true",
            ConfigKeys::bool,
            "Whether /health/ready reports DOWN while Redis does not answer");
    public static final Key<Duration> RELOAD_INTERVAL = shared(
            "ratelimit.reload-interval",
            "10s",
            ConfigKeys::reloadInterval,
            "How often the policies are read again while the application runs; 0 or off: never");

    private static final Pattern POLICY_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");

    public static final Key<String> DEFAULT_POLICY = shared(
            "ratelimit.default-policy",
            null,
            ConfigKeys::policyName,
            "A named policy applied to every JAX-RS resource method without @RateLimited or @NotRateLimited");

    public static final Key<Mode> GLOBAL_MODE = global(
            "ratelimit.mode",
            "enforce",
            Mode::parse,
            "Caps every policy's mode: shadow decides and counts without enforcing, off decides nothing");
    public static final Key<Boolean> ALLOW_UNUSED_POLICIES = global(
            "ratelimit.allow-unused-policies",
            "false",
            ConfigKeys::bool,
            "Whether keys of policies or classes no @RateLimited method uses are allowed (with a warning)");
    /** Read by the YAML config source itself, before MicroProfile Config exists: a system property or variable. */
    public static final Key<Path> CONFIG_FILE = global(
            YamlConfigSource.LOCATION_PROPERTY,
            null,
            ConfigKeys::path,
            "A YAML file read instead of rate_limits.yaml on the classpath, and read again when it changes; a"
                    + " system property or environment variable only");

    public static final Key<Long> CAPACITY =
            property("capacity", null, "none", ConfigKeys::wholeLong, "Tokens the bucket holds at most (required)");
    public static final Key<Long> REFILL_TOKENS =
            property("refill-tokens", null, "capacity", ConfigKeys::wholeLong, "Tokens added every refill period");
    public static final Key<Duration> REFILL_PERIOD =
            property("refill-period", "1s", "1s", Durations::parse, "How often refill-tokens are added, continuously");
    public static final Key<Long> COST =
            property("cost", "1", "1", ConfigKeys::wholeLong, "Tokens one call takes, at most the capacity");
    public static final Key<FailureMode> FAILURE_MODE = property(
            "failure-mode",
            "open",
            "open",
            ConfigKeys::failureMode,
            "What a call gets when Redis cannot decide: open, closed (503) or local (this instance's share)");
    public static final Key<ClientIdSource> CLIENT_ID = property(
            "client-id",
            "header:X-Client-Id",
            "header:X-Client-Id",
            ClientIdSource::parse,
            "Who the caller is: header:<Name>, principal, remote-address, or none (one bucket for every caller)");
    public static final Key<MissingClientIdRule> MISSING_CLIENT_ID = property(
            "missing-client-id",
            "reject",
            "reject",
            MissingClientIdRule::parse,
            "A call without client id: reject (400) or anonymous (one bucket shared by all such calls)");
    public static final Key<Mode> MODE =
            property("mode", "enforce", "enforce", Mode::parse, "enforce, shadow (decide and count only) or off");
    public static final Key<Duration> LEASE = property(
            "lease",
            "off",
            "off",
            ConfigKeys::lease,
            "How long an instance may hold tokens taken ahead of calls (up to 1m); off: Redis decides every call");
    public static final Key<Double> LEASE_SHARE = property(
            "lease-share",
            Double.toString(Leasing.DEFAULT_MAX_SHARE),
            Double.toString(Leasing.DEFAULT_MAX_SHARE),
            ConfigKeys::share,
            "The largest part of the smallest band's capacity one lease takes, above 0 and at most 1");

    public static final Key<TierSource> TIER = property(
            "tier",
            "none",
            "none",
            TierSource::parse,
            "Where a call's tier is read from: header:<Name>, role (isUserInRole), resolver (a TierResolver bean) or none");
    public static final Key<List<String>> EXEMPT_CLIENTS = property(
            "exempt-clients",
            "",
            "none",
            ConfigKeys::commaList,
            "Client ids, comma-separated, as callers send them, that the policy never limits");
    public static final Key<Networks> EXEMPT_NETWORKS = property(
            "exempt-networks",
            "",
            "none",
            text -> Networks.of(commaList(text)),
            "Caller addresses and CIDR networks, comma-separated, that the policy never limits");

    public static final Key<Long> TIER_CAPACITY =
            property("capacity", null, "the policy's", ConfigKeys::wholeLong, "Tokens the tier's bucket holds at most");
    public static final Key<Long> TIER_REFILL_TOKENS = property(
            "refill-tokens",
            null,
            "the tier's capacity, else the policy's",
            ConfigKeys::wholeLong,
            "Tokens added to the tier's bucket every refill period");
    public static final Key<Duration> TIER_REFILL_PERIOD = property(
            "refill-period", null, "the policy's", Durations::parse, "How often the tier's refill-tokens are added");
    public static final Key<Long> TIER_COST =
            property("cost", null, "the policy's", ConfigKeys::wholeLong, "Tokens one call of the tier takes");
    public static final Key<Boolean> TIER_UNLIMITED = property(
            "unlimited",
            "false",
            "false",
            ConfigKeys::bool,
            "Whether the tier's calls are never limited (counted as exempt); then it has no other property");

    public static final Key<Long> BAND_CAPACITY =
            band("capacity", null, "none", ConfigKeys::wholeLong, "Tokens the band's bucket holds at most (required)");
    public static final Key<Long> BAND_REFILL_TOKENS = band(
            "refill-tokens", null, "capacity", ConfigKeys::wholeLong, "Tokens added to the band every refill period");
    public static final Key<Duration> BAND_REFILL_PERIOD =
            band("refill-period", "1s", "1s", Durations::parse, "How often the band's refill-tokens are added");

    /** The settings shared by every policy, read once, at deployment: a change takes a restart. */
    public static final List<Key<?>> SHARED = List.of(
            REDIS_URL,
            REDIS_USER,
            REDIS_PASSWORD,
            TRUSTSTORE,
            TRUSTSTORE_PASSWORD,
            TRUSTSTORE_TYPE,
            SENTINEL_USER,
            SENTINEL_PASSWORD,
            CONNECT_TIMEOUT,
            COMMAND_TIMEOUT,
            POOL_SIZE,
            KEY_PREFIX,
            SHIELD_ENABLED,
            SHIELD_MAX_ENTRIES,
            LEASED_BUCKETS,
            BREAKER_WINDOW,
            BREAKER_FAILURE_RATE,
            BREAKER_OPEN_FOR,
            TRUSTED_PROXIES,
            INSTANCES,
            MAX_LOCAL_CLIENTS,
            CLIENT_ID_SECRET,
            IPV6_PREFIX_LENGTH,
            READINESS_REQUIRES_REDIS,
            RELOAD_INTERVAL,
            DEFAULT_POLICY);

    /**
     * The switches over every policy, read at deployment and again at every reload; the YAML file's location is
     * read by its config source, when MicroProfile Config starts.
     */
    public static final List<Key<?>> GLOBAL = List.of(GLOBAL_MODE, ALLOW_UNUSED_POLICIES, CONFIG_FILE);

    /** A policy's own properties, in the order the reference lists them. */
    public static final List<Key<?>> POLICY = List.of(
            CAPACITY,
            REFILL_TOKENS,
            REFILL_PERIOD,
            COST,
            FAILURE_MODE,
            CLIENT_ID,
            MISSING_CLIENT_ID,
            MODE,
            LEASE,
            LEASE_SHARE,
            TIER,
            EXEMPT_CLIENTS,
            EXEMPT_NETWORKS);

    /**
     * A tier's properties, {@code tiers.<tier>.<property>}; bands too, {@code tiers.<tier>.bands.<band>.*}, else the
     * policy's.
     */
    public static final List<Key<?>> TIER_PROPERTIES =
            List.of(TIER_CAPACITY, TIER_REFILL_TOKENS, TIER_REFILL_PERIOD, TIER_COST, TIER_UNLIMITED);

    /** A band's properties. */
    public static final List<Key<?>> BAND = List.of(BAND_CAPACITY, BAND_REFILL_TOKENS, BAND_REFILL_PERIOD);

    /**
     * Policy properties renamed before 0.1.0, to what replaced them: a configuration still using one is told what to
     * write instead.
     */
    static final Map<String, Renamed> RENAMED_PROPERTIES = Map.of(
            "key", new Renamed(CLIENT_ID.name(), ""),
            "missing-key", new Renamed(MISSING_CLIENT_ID.name(), ""),
            "enabled", new Renamed(MODE.name(), " (enabled: false is mode: off)"));

    /** Shared settings renamed before 0.1.0, to their names now. */
    static final Map<String, Renamed> RENAMED_KEYS = Map.of("ratelimit.key-prefix", new Renamed(KEY_PREFIX.name(), ""));

    /**
     * What replaced a renamed key.
     *
     * @param key  the key, or property, now
     * @param note how an old value is written now, when it is not written as it was
     */
    record Renamed(String key, String note) {}

    /** {@code ratelimit.policies.}: before each named policy's properties. */
    static final String POLICIES_PREFIX = "ratelimit.policies.";

    /** {@code ratelimit.defaults.}: before each policy property's default for every policy. */
    static final String DEFAULTS_PREFIX = "ratelimit.defaults.";

    /** {@code bands.}: before each band's properties, after the layer's prefix. */
    static final String BANDS = "bands.";

    /** {@code tiers.}: before each tier's properties, after the layer's prefix. */
    static final String TIERS = "tiers.";

    private ConfigKeys() {}

    /** The names of the properties of a policy, or of a band. */
    static List<String> names(List<Key<?>> keys) {
        return keys.stream().map(Key::name).toList();
    }

    /** Every shared and global key, as the reference lists them. */
    public static List<Key<?>> settings() {
        return Stream.concat(SHARED.stream(), GLOBAL.stream()).toList();
    }

    /** {@code ratelimit.policies.search.failure-mode} as an environment variable: RATELIMIT_POLICIES_SEARCH_FAILURE_MODE. */
    public static String envForm(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    private static <T> Key<T> shared(String name, String defaultValue, Function<String, T> parser, String meaning) {
        return new Key<>(
                name, Optional.ofNullable(defaultValue), documented(defaultValue), parser, Visibility.SHOWN, meaning);
    }

    private static Key<String> secret(String name, String meaning) {
        return new Key<>(name, Optional.empty(), "none", ConfigKeys::nonBlank, Visibility.SECRET, meaning);
    }

    private static <T> Key<T> global(String name, String defaultValue, Function<String, T> parser, String meaning) {
        return new Key<>(
                name, Optional.ofNullable(defaultValue), documented(defaultValue), parser, Visibility.SHOWN, meaning);
    }

    private static <T> Key<T> property(
            String name, String defaultValue, String documented, Function<String, T> parser, String meaning) {
        return new Key<>(name, Optional.ofNullable(defaultValue), documented, parser, Visibility.SHOWN, meaning);
    }

    private static <T> Key<T> band(
            String name, String defaultValue, String documented, Function<String, T> parser, String meaning) {
        return new Key<>(name, Optional.ofNullable(defaultValue), documented, parser, Visibility.SHOWN, meaning);
    }

    private static String documented(String defaultValue) {
        return defaultValue == null ? "none" : defaultValue;
    }

    static boolean bool(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("must be true or false");
        };
    }

    private static int wholeNumber(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number", e);
        }
    }

    private static long wholeLong(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number", e);
        }
    }

    private static int atLeastOne(int number) {
        if (number < 1) {
            throw new IllegalArgumentException("must be at least 1, was " + number);
        }
        return number;
    }

    private static int ipv6PrefixLength(int bits) {
        if (bits < 1 || bits > 128) {
            throw new IllegalArgumentException("must be between 1 and 128 bits, was " + bits);
        }
        return bits;
    }

    private static Duration reloadInterval(String text) {
        if (text.equals("0") || text.equalsIgnoreCase("off")) {
            return Duration.ZERO;
        }
        Duration interval = Durations.parse(text);
        if (interval.toMillis() < 1) {
            throw new IllegalArgumentException(
                    "must be at least 1ms, or 0 or off to read the policies at deployment only");
        }
        return interval;
    }

    private static Duration lease(String text) {
        if (text.equals("0") || text.equalsIgnoreCase("off")) {
            return Duration.ZERO;
        }
        Duration lease = Durations.parse(text);
        if (lease.toMillis() < 1 || lease.compareTo(Leasing.MAX_DURATION) > 0) {
            throw new IllegalArgumentException("must be off, or from 1ms to " + Durations.format(Leasing.MAX_DURATION));
        }
        return Duration.ofMillis(lease.toMillis());
    }

    /** A fraction, written 0.1 or 10%. */
    private static double share(String text) {
        String trimmed = text.strip();
        double share;
        try {
            share = trimmed.endsWith("%")
                    ? Double.parseDouble(trimmed.substring(0, trimmed.length() - 1)) / 100
                    : Double.parseDouble(trimmed);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a fraction: write e.g. 0.1 or 10%", e);
        }
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("must be above 0 and at most 1 (100%)");
        }
        return share;
    }

    private static FailureMode failureMode(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "open" -> FailureMode.OPEN;
            case "closed" -> FailureMode.CLOSED;
            case "local" -> FailureMode.LOCAL;
            default -> throw new IllegalArgumentException("must be open, closed or local");
        };
    }

    private static Path path(String text) {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("not a file path", e);
        }
    }

    /** A name that makes keys of its own, {@code ratelimit.policies.<name>.*}, and environment variables. */
    private static String policyName(String text) {
        String name = text.strip();
        if (!POLICY_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "not a policy name: letters, digits, '-' and '_', as in @RateLimited(\"<policy>\")");
        }
        return name;
    }

    /** {@code a, b,,c} to a, b, c: empty items are dropped, so that an empty value is an empty list. */
    private static List<String> commaList(String text) {
        return Arrays.stream(text.split(",", -1))
                .map(String::strip)
                .filter(entry -> !entry.isEmpty())
                .toList();
    }

    private static String nonBlank(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("must not be blank");
        }
        return text;
    }
}

package dev.ratelimit.integration.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Finds configured keys that look meant for the rate limiter but that nothing reads: a misspelt property or
 * policy name would otherwise leave a policy on its defaults without a word.
 *
 * <p>Names are compared the way MicroProfile Config finds environment variables: a lookup of
 * {@code ratelimit.policies.search.failure-mode} also finds {@code RATELIMIT_POLICIES_SEARCH_FAILURE_MODE}
 * (non-alphanumerics as '_', upper case). Open Liberty lists that variable among the property names as
 * {@code ratelimit.policies.search.failure.mode}, so that spelling counts as the key too; but only where an
 * environment variable could have made it: in the YAML file, which MicroProfile Config reads word for word,
 * {@code redis: {key: {prefix: x}}} is not {@code ratelimit.redis.key-prefix} and is refused.
 *
 * <p>Each problem names the key as it was written (an environment variable as the variable, not as Open
 * Liberty's dotted listing of it), once however many spellings list it, with the closest known key in the same
 * spelling, or what replaced a renamed one.
 *
 * <p>Variables Kubernetes adds for every Service ({@code RATELIMIT_REDIS_SERVICE_HOST},
 * {@code RATELIMIT_REDIS_PORT_6379_TCP}, ... for a Service named {@code ratelimit-redis}) are not ours.
 */
final class UnknownKeys {

    private static final String NAMESPACE = "RATELIMIT_";
    private static final String POLICIES = ConfigKeys.envForm(ConfigKeys.POLICIES_PREFIX);
    private static final String ANNOTATION_SEGMENT = "/" + PolicyResolver.ANNOTATION + "/";
    private static final String ANNOTATION_ENV_SEGMENT = ConfigKeys.envForm(ANNOTATION_SEGMENT);
    private static final List<String> POLICY_PROPERTIES = ConfigKeys.names(ConfigKeys.POLICY);
    /** {@code <layer>.bands.<band>.<property>}, in any spelling an environment variable gives it. */
    private static final Pattern BAND_KEY = Pattern.compile(
            "(.+)[^A-Za-z0-9]bands[^A-Za-z0-9]([A-Za-z0-9]+)[^A-Za-z0-9]("
                    + ConfigKeys.BAND.stream()
                            .map(property -> property.name().replaceAll("[^A-Za-z0-9]", "."))
                            .collect(Collectors.joining("|"))
                    + ")",
            Pattern.CASE_INSENSITIVE);

    /** {@code <layer>.tiers.<tier>.<property>}, in any spelling an environment variable gives it. */
    private static final Pattern TIER_KEY = Pattern.compile(
            "(.+)[^A-Za-z0-9]tiers[^A-Za-z0-9]([A-Za-z0-9]+)[^A-Za-z0-9]("
                    + ConfigKeys.TIER_PROPERTIES.stream()
                            .map(property -> property.name().replaceAll("[^A-Za-z0-9]", "."))
                            .collect(Collectors.joining("|"))
                    + ")",
            Pattern.CASE_INSENSITIVE);

    /** Anything under {@code <layer>.bands.<band>.}: a misspelt band property is told the closest band property. */
    private static final Pattern IN_A_BAND =
            Pattern.compile("(.+[^A-Za-z0-9]bands[^A-Za-z0-9][A-Za-z0-9]+[^A-Za-z0-9])[^.]+", Pattern.CASE_INSENSITIVE);

    private static final Pattern KUBERNETES_SERVICE_LINK = Pattern.compile(
            "[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)");

    private final WrittenKeys written;
    /** Every spelling under which a lookup finds a key, to the key as documented. */
    private final Map<String, String> keysBySpelling = new HashMap<>();
    /** A renamed key's environment-variable form, to what replaced it. */
    private final Map<String, ConfigKeys.Renamed> renamedByEnvForm = new HashMap<>();

    private final Set<String> policiesInUse = new TreeSet<>();
    private final Set<String> limitedClasses = new HashSet<>();
    private final List<String> warnings = new ArrayList<>();

    UnknownKeys(Collection<Endpoint> endpoints, Optional<String> defaultPolicy, WrittenKeys written) {
        this.written = written;
        ConfigKeys.settings().forEach(key -> register(key.name()));
        ConfigKeys.RENAMED_KEYS.forEach(
                (old, replacement) -> renamedByEnvForm.put(ConfigKeys.envForm(old), replacement));
        registerProperties(ConfigKeys.DEFAULTS_PREFIX);
        for (Endpoint endpoint : endpoints) {
            List<String> policies = PolicyResolver.namedPoliciesOf(endpoint, defaultPolicy);
            policiesInUse.addAll(policies);
            limitedClasses.add(ConfigKeys.envForm(endpoint.beanClass().getName()));
            registerProperties(PolicyResolver.methodPrefix(endpoint));
            registerProperties(PolicyResolver.classPrefix(endpoint));
            policies.forEach(name -> registerProperties(ConfigKeys.POLICIES_PREFIX + name + "."));
        }
    }

    private void registerProperties(String prefix) {
        POLICY_PROPERTIES.forEach(property -> register(prefix + property));
        ConfigKeys.RENAMED_PROPERTIES.forEach((old, renamed) -> renamedByEnvForm.put(
                ConfigKeys.envForm(prefix + old), new ConfigKeys.Renamed(prefix + renamed.key(), renamed.note())));
    }

    private void register(String key) {
        String underscored = key.replaceAll("[^A-Za-z0-9]", "_");
        String upper = ConfigKeys.envForm(key);
        for (String spelling :
                List.of(key, underscored, upper, upper.toLowerCase(Locale.ROOT).replace('_', '.'))) {
            keysBySpelling.putIfAbsent(spelling, key);
        }
    }

    /**
     * Keys of policies, or of classes, that no {@code @RateLimited} method uses are problems too, unless
     * {@code allowUnused}: then each such policy or class is one of the {@link #warnings()}.
     *
     * @param propertyNames every configured name
     * @param writtenAsIs   those of them that only a source read word for word holds (the YAML file): they
     *                      must be spelt as documented
     * @return one problem per unknown key as written, and per unused policy or class
     */
    List<InvalidRateLimitConfigException> check(
            Iterable<String> propertyNames, Set<String> writtenAsIs, boolean allowUnused) {
        Map<String, InvalidRateLimitConfigException> unknown = new LinkedHashMap<>();
        Map<String, Unused> unused = new LinkedHashMap<>();
        Map<String, String> listedVariables = new HashMap<>();
        for (String name : propertyNames) {
            if (WrittenKeys.isVariable(name) && !writtenAsIs.contains(name)) {
                listedVariables.putIfAbsent(ConfigKeys.envForm(name), name);
            }
        }
        for (String name : propertyNames) {
            boolean fromEnvironment = !writtenAsIs.contains(name);
            // A key as documented maps to itself; any other spelling only an environment variable can make.
            boolean known = isKnown(name, fromEnvironment)
                    || isBandKey(name, fromEnvironment)
                    || isTierKey(name, fromEnvironment);
            boolean kubernetes = fromEnvironment
                    && KUBERNETES_SERVICE_LINK.matcher(ConfigKeys.envForm(name)).matches();
            if (known || kubernetes || !looksOurs(name)) {
                continue;
            }
            String asWritten = fromEnvironment ? asWritten(name, listedVariables) : name;
            Optional<Unused> unusedTarget = unusedPolicy(name).or(() -> unusedClass(name));
            if (unusedTarget.isPresent()) {
                // One report per policy or class, however many keys and spellings name it.
                Unused target = unused.computeIfAbsent(
                        ConfigKeys.envForm(unusedTarget.get().what()), what -> unusedTarget.get());
                if (!target.keys().contains(asWritten)) {
                    target.keys().add(asWritten);
                }
            } else {
                unknown.computeIfAbsent(
                        asWritten, key -> new InvalidRateLimitConfigException("unknown key " + key + hintFor(key)));
            }
        }
        List<InvalidRateLimitConfigException> problems = new ArrayList<>(unknown.values());
        for (Unused target : unused.values()) {
            String message = target.what() + " is configured (" + String.join(", ", target.keys())
                    + ") but no @RateLimited method uses it" + target.hint();
            if (allowUnused) {
                warnings.add(message + "; allowed by " + ConfigKeys.ALLOW_UNUSED_POLICIES.name());
            } else {
                problems.add(new InvalidRateLimitConfigException(message + ". If this config is shared with other"
                        + " applications, set " + ConfigKeys.ALLOW_UNUSED_POLICIES.name() + "=true"));
            }
        }
        return problems;
    }

    /**
     * A name some source other than the YAML file lists, as its user wrote it: an environment variable is listed
     * by Open Liberty both as it is and lower-case and dotted, and is named as it is.
     *
     * @param listedVariables the names listed that are spelt as variables, by their environment-variable form
     */
    private String asWritten(String name, Map<String, String> listedVariables) {
        if (WrittenKeys.isVariable(name)) {
            return name;
        }
        String listed = listedVariables.get(ConfigKeys.envForm(name));
        return listed != null ? listed : written.variableFor(name).orElse(name);
    }

    /** What replaced a renamed key, or the closest known key, in the spelling of the one written. */
    private String hintFor(String asWritten) {
        boolean variable = WrittenKeys.isVariable(asWritten);
        ConfigKeys.Renamed renamed = renamedByEnvForm.get(ConfigKeys.envForm(asWritten));
        if (renamed != null) {
            return "; it was renamed: write " + (variable ? ConfigKeys.envForm(renamed.key()) : renamed.key())
                    + renamed.note();
        }
        String env = ConfigKeys.envForm(asWritten);
        Matcher band = IN_A_BAND.matcher(asWritten);
        Collection<String> candidates = band.matches()
                ? ConfigKeys.names(ConfigKeys.BAND).stream()
                        .map(property -> band.group(1) + property)
                        .toList()
                : new TreeSet<>(keysBySpelling.values());
        return closest(env, candidates, Math.max(2, env.length() / 8))
                .map(known -> "; did you mean " + (variable ? ConfigKeys.envForm(known) : known) + "?")
                .orElse("");
    }

    private boolean isKnown(String name, boolean fromEnvironment) {
        // A key as documented maps to itself; any other spelling only an environment variable can make.
        return fromEnvironment ? keysBySpelling.containsKey(name) : name.equals(keysBySpelling.get(name));
    }

    /**
     * A band's property where its policy's own property of that name is known, at a method, a class or a named
     * policy: bands have no defaults. The band's name is checked where it is read ({@link PolicyResolver}).
     */
    private boolean isBandKey(String name, boolean fromEnvironment) {
        Matcher band = BAND_KEY.matcher(name);
        if (!band.matches() || ConfigKeys.envForm(name).startsWith(ConfigKeys.envForm(ConfigKeys.DEFAULTS_PREFIX))) {
            return false;
        }
        char separator = name.charAt(band.end(1));
        String policyKey = band.group(1) + separator + band.group(3);
        // In the YAML file, word for word; a band's name the resolver refuses, saying why, so it is not unknown too.
        return (isKnown(policyKey, fromEnvironment) || isTierKey(policyKey, fromEnvironment))
                && (fromEnvironment
                        || name.equals(
                                band.group(1) + separator + ConfigKeys.BANDS + band.group(2) + "." + band.group(3)));
    }

    /**
     * A tier's property at a layer whose own properties are known: a method, a class or a named policy, as for bands.
     * The tier's name is checked where it is read ({@link PolicyResolver}).
     */
    private boolean isTierKey(String name, boolean fromEnvironment) {
        Matcher tier = TIER_KEY.matcher(name);
        if (!tier.matches() || ConfigKeys.envForm(name).startsWith(ConfigKeys.envForm(ConfigKeys.DEFAULTS_PREFIX))) {
            return false;
        }
        char separator = name.charAt(tier.end(1));
        String property = tier.group(3);
        boolean aTierProperty = ConfigKeys.TIER_PROPERTIES.stream()
                .anyMatch(known -> fromEnvironment
                        ? ConfigKeys.envForm(known.name()).equals(ConfigKeys.envForm(property))
                        : known.name().equals(property));
        if (!aTierProperty) {
            return false;
        }
        // The layer's own capacity, in the spelling of the key: upper case in a variable.
        String capacity = property.equals(property.toUpperCase(Locale.ROOT))
                ? ConfigKeys.envForm(ConfigKeys.CAPACITY.name())
                : ConfigKeys.CAPACITY.name();
        String layerKey = tier.group(1) + separator + capacity;
        return isKnown(layerKey, fromEnvironment)
                && (fromEnvironment
                        || name.equals(
                                tier.group(1) + separator + ConfigKeys.TIERS + tier.group(2) + "." + tier.group(3)));
    }

    /**
     * What the checks allowed but an operator should hear of, for the caller to log: a reload that finds the
     * same ones again need not repeat them.
     */
    List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** A policy or class that keys configure and no limited method uses, with the keys that name it. */
    private record Unused(String what, String hint, List<String> keys) {}

    private boolean looksOurs(String name) {
        String env = ConfigKeys.envForm(name);
        return env.startsWith(NAMESPACE)
                || name.contains(ANNOTATION_SEGMENT)
                || (env.contains(ANNOTATION_ENV_SEGMENT)
                        && limitedClasses.stream().anyMatch(c -> env.startsWith(c + "_")));
    }

    /** {@code ratelimit.policies.<name>.<property>} where no limited method names the policy. */
    private Optional<Unused> unusedPolicy(String name) {
        String env = ConfigKeys.envForm(name);
        if (!env.startsWith(POLICIES)) {
            return Optional.empty();
        }
        String rest = env.substring(POLICIES.length());
        return POLICY_PROPERTIES.stream()
                .map(property -> "_" + ConfigKeys.envForm(property))
                .filter(suffix -> rest.endsWith(suffix) && rest.length() > suffix.length())
                .max(Comparator.comparingInt(String::length))
                .map(suffix -> {
                    String cut = name.substring(ConfigKeys.POLICIES_PREFIX.length(), name.length() - suffix.length());
                    // A variable cannot tell the policy's own case, which is lower in every name it could map to.
                    String policy = WrittenKeys.isVariable(name) ? cut.toLowerCase(Locale.ROOT) : cut;
                    String closest = closest(ConfigKeys.envForm(policy), policiesInUse, Integer.MAX_VALUE)
                            .map(known -> "; the closest policy in use is '" + known + "'")
                            .orElse("; no @RateLimited method names a policy");
                    return new Unused("policy '" + policy + "'", closest, new ArrayList<>());
                });
    }

    /** {@code <Class>/RateLimited/<property>} or {@code <Class>/<method>/RateLimited/<property>} for a class without limited methods. */
    private Optional<Unused> unusedClass(String name) {
        int segment = name.indexOf(ANNOTATION_SEGMENT);
        if (segment < 0 || !POLICY_PROPERTIES.contains(name.substring(segment + ANNOTATION_SEGMENT.length()))) {
            return Optional.empty();
        }
        String owner = name.substring(0, segment);
        String className = owner.contains("/") ? owner.substring(0, owner.indexOf('/')) : owner;
        if (limitedClasses.contains(ConfigKeys.envForm(className))) {
            return Optional.empty();
        }
        return Optional.of(new Unused("class " + className, "", new ArrayList<>()));
    }

    /** The candidate nearest to an environment-form name by edit distance, if within the tolerance. */
    static Optional<String> closest(String envName, Collection<String> candidates, int tolerance) {
        Map<String, Integer> distances = new HashMap<>();
        candidates.forEach(candidate -> distances.put(candidate, editDistance(envName, ConfigKeys.envForm(candidate))));
        return candidates.stream()
                .filter(candidate -> distances.get(candidate) <= tolerance)
                .min(Comparator.comparingInt(distances::get));
    }

    /** Levenshtein distance: too small a need to bring a text library to every application. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}

package dev.ratelimit.integration.config;

import dev.ratelimit.RateLimited;
import dev.ratelimit.core.Band;
import dev.ratelimit.core.BucketLimits;
import dev.ratelimit.core.InvalidLimitException;
import dev.ratelimit.core.Leasing;
import dev.ratelimit.core.RateLimitPolicy;
import dev.ratelimit.integration.http.ClientIdSource;
import dev.ratelimit.integration.http.TierSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.Config;

/**
 * Turns a {@code @RateLimited} method and MicroProfile Config into its {@link EndpointPolicy}. Each
 * property is looked up, first found wins, in:
 * <ol>
 *     <li>{@code <fully.qualified.Class>/<method>/RateLimited/<property>}</li>
 *     <li>{@code <fully.qualified.Class>/RateLimited/<property>}</li>
 *     <li>{@code ratelimit.policies.<name>.<property>}, when the annotation names a policy</li>
 *     <li>the annotation's inline value</li>
 *     <li>{@code ratelimit.defaults.<property>}</li>
 *     <li>the built-in default</li>
 * </ol>
 * Further bands, {@code bands.<band>.capacity}, {@code .refill-tokens} and {@code .refill-period}, come as a
 * set from the first of the first three layers that configures any. The global {@code ratelimit.mode} caps
 * every policy's {@code mode}. The properties, their defaults and how each is read are {@link ConfigKeys}'. Every
 * error names the method and the key whose value is wrong, as it was written.
 */
final class PolicyResolver {

    static final String ANNOTATION = RateLimited.class.getSimpleName();

    /** How each band property's key ends in its environment-variable form, e.g. {@code _REFILL_TOKENS}. */
    private static final List<String> BAND_PROPERTY_ENV_SUFFIXES = ConfigKeys.BAND.stream()
            .map(property -> "_" + ConfigKeys.envForm(property.name()))
            .toList();

    private static final Pattern BAND_NAME = Pattern.compile("[a-z0-9]{1,32}");
    private static final Pattern ONE_SEGMENT = Pattern.compile("[A-Za-z0-9]+");
    /** A tier's name, then the rest of its key: {@code premium.capacity}, {@code PREMIUM_BANDS_HOUR_CAPACITY}. */
    private static final Pattern TIER_SEGMENT = Pattern.compile("([A-Za-z0-9]+)[^A-Za-z0-9].+");

    private final Config config;
    private final WrittenKeys written;
    /** {@code ratelimit.mode}, read once for every method. */
    private final Mode globalMode;
    /** {@code ratelimit.default-policy}, as in force since deployment. */
    private final Optional<String> defaultPolicy;
    /** Every configured name, in order, and its environment-variable form: made once for every method's band lookup. */
    private final Map<String, String> envFormByName = new LinkedHashMap<>();

    /**
     * @param globalMode    the mode every policy's own is capped by
     * @param defaultPolicy the policy of the endpoints without annotations, when one is named
     */
    PolicyResolver(Config config, WrittenKeys written, Mode globalMode, Optional<String> defaultPolicy) {
        this.config = config;
        this.written = written;
        this.globalMode = globalMode;
        this.defaultPolicy = defaultPolicy;
        PropertyNames.of(config).forEach(name -> envFormByName.put(name, ConfigKeys.envForm(name)));
    }

    /** {@code <fully.qualified.Class>/<method>/RateLimited/}: the prefix of one method's own keys. */
    static String methodPrefix(Endpoint endpoint) {
        return endpoint.beanClass().getName() + "/" + endpoint.method().getName() + "/" + ANNOTATION + "/";
    }

    /** {@code <fully.qualified.Class>/RateLimited/}: the prefix of keys for every method of a class. */
    static String classPrefix(Endpoint endpoint) {
        return endpoint.beanClass().getName() + "/" + ANNOTATION + "/";
    }

    /**
     * The method's annotations, in the order written, else its bean class's, else the default policy's: the
     * endpoints handed in are the ones the deployment limits, so one without annotations has the default.
     */
    static List<RateLimited> annotationsOf(Endpoint endpoint, Optional<String> defaultPolicy) {
        RateLimited[] onMethod = endpoint.method().getAnnotationsByType(RateLimited.class);
        RateLimited[] annotations =
                onMethod.length > 0 ? onMethod : endpoint.beanClass().getAnnotationsByType(RateLimited.class);
        if (annotations.length > 0) {
            return List.of(annotations);
        }
        return defaultPolicy
                .<List<RateLimited>>map(name -> List.of(new DefaultPolicyBinding(name)))
                .orElseThrow(() -> new IllegalArgumentException(
                        endpoint + " is not @RateLimited, nor is its class, and no default policy is set"));
    }

    /** The policies the annotations name, configured under {@code ratelimit.policies.<name>.*}. */
    static List<String> namedPoliciesOf(Endpoint endpoint, Optional<String> defaultPolicy) {
        return annotationsOf(endpoint, defaultPolicy).stream()
                .map(RateLimited::value)
                .filter(name -> !name.isEmpty())
                .toList();
    }

    /**
     * The method's policies, as configured now, in the order its annotations are written: usually one.
     *
     * @throws InvalidRateLimitConfigException naming the method and the key at fault
     */
    List<EndpointPolicy> resolve(Endpoint endpoint) {
        List<RateLimited> annotations = annotationsOf(endpoint, defaultPolicy);
        if (annotations.size() == 1) {
            return List.of(new MethodLookup(endpoint, annotations.get(0), true).policy());
        }
        checkSeveral(endpoint, annotations);
        List<EndpointPolicy> policies = new ArrayList<>(annotations.size());
        for (RateLimited annotation : annotations) {
            policies.add(new MethodLookup(endpoint, annotation, false).policy());
        }
        return policies;
    }

    /**
     * Several policies on one method are each configured by name: a method- or class-level key could not tell which
     * it is for.
     */
    private void checkSeveral(Endpoint endpoint, List<RateLimited> annotations) {
        Set<String> names = new TreeSet<>();
        for (RateLimited annotation : annotations) {
            if (annotation.value().isEmpty()) {
                throw InvalidRateLimitConfigException.forEndpoint(
                        endpoint,
                        "a method limited by several policies must name each: @RateLimited(\"<policy>\") on every"
                                + " one, configured under " + ConfigKeys.POLICIES_PREFIX + "<policy>.*");
            }
            if (!names.add(annotation.value())) {
                throw InvalidRateLimitConfigException.forEndpoint(
                        endpoint, "@RateLimited(\"" + annotation.value() + "\") is written twice");
            }
        }
        for (String prefix : List.of(methodPrefix(endpoint), classPrefix(endpoint))) {
            for (String group : List.of(ConfigKeys.BANDS, ConfigKeys.TIERS)) {
                String grouped = ConfigKeys.envForm(prefix + group);
                Optional<String> groupKey = envFormByName.entrySet().stream()
                        .filter(name -> name.getValue().startsWith(grouped))
                        .map(Map.Entry::getKey)
                        .findFirst();
                if (groupKey.isPresent()) {
                    throw InvalidRateLimitConfigException.forEndpoint(
                            endpoint,
                            groupKey.get() + ": the method is limited by the policies " + names
                                    + ", and such a key could be for any of them; configure each policy's "
                                    + group.substring(0, group.length() - 1) + " under "
                                    + ConfigKeys.POLICIES_PREFIX + "<policy>." + group);
                }
            }
            for (ConfigKeys.Key<?> property : ConfigKeys.POLICY) {
                Optional<Setting> configured = setting(prefix + property.name());
                if (configured.isPresent()) {
                    throw InvalidRateLimitConfigException.forEndpoint(
                            endpoint,
                            configured.get() + ": the method is limited by the policies " + names
                                    + ", and such a key could be for any of them; configure each under "
                                    + ConfigKeys.POLICIES_PREFIX + "<policy>." + property.name());
                }
            }
        }
    }

    /** A value and where it came from: a key as it was written, an annotation member, or the default. */
    private record Setting(String source, String value) {
        @Override
        public String toString() {
            return source + "=" + value;
        }
    }

    private final class MethodLookup {

        private final Endpoint endpoint;
        private final RateLimited annotation;
        private final String policyName;
        /** Whether the annotation names the policy, so that ratelimit.policies.<name>.* keys apply. */
        private final boolean named;

        private final List<String> prefixes = new ArrayList<>();
        private final Map<String, Setting> used = new HashMap<>();

        /**
         * @param alone whether this is the method's one policy: the method- and class-level keys are then its own
         */
        MethodLookup(Endpoint endpoint, RateLimited annotation, boolean alone) {
            this.endpoint = endpoint;
            this.annotation = annotation;
            this.named = !annotation.value().isEmpty();
            this.policyName = named
                    ? annotation.value()
                    : endpoint.beanClass().getName() + "/" + endpoint.method().getName();
            if (alone) {
                prefixes.add(methodPrefix(endpoint));
                prefixes.add(classPrefix(endpoint));
            }
            if (named) {
                prefixes.add(ConfigKeys.POLICIES_PREFIX + policyName + ".");
            }
            used.put("name", new Setting(named ? "@RateLimited(value)" : "policy name", policyName));
        }

        EndpointPolicy policy() {
            if (named
                    && ConfigKeys.POLICY.stream()
                            .noneMatch(
                                    property -> value(ConfigKeys.POLICIES_PREFIX + policyName + "." + property.name())
                                            .isPresent())) {
                throw invalid("@RateLimited(\"" + policyName + "\") names an unknown policy: no "
                        + ConfigKeys.POLICIES_PREFIX + policyName + ".* key is configured");
            }
            Setting capacity = find(ConfigKeys.CAPACITY, inline(annotation.capacity()), "capacity")
                    .orElseThrow(this::missingCapacity);
            Setting refillTokens = find(ConfigKeys.REFILL_TOKENS, inline(annotation.refillTokens()), "refillTokens")
                    .orElse(capacity);
            Setting refillPeriod = find(ConfigKeys.REFILL_PERIOD, annotation.refillPeriod(), "refillPeriod")
                    .orElse(builtIn(ConfigKeys.REFILL_PERIOD));
            Setting cost =
                    find(ConfigKeys.COST, inline(annotation.cost()), "cost").orElse(builtIn(ConfigKeys.COST));
            used.putAll(Map.of(
                    ConfigKeys.CAPACITY.name(), capacity,
                    ConfigKeys.REFILL_TOKENS.name(), refillTokens,
                    ConfigKeys.REFILL_PERIOD.name(), refillPeriod,
                    ConfigKeys.COST.name(), cost));
            try {
                BucketLimits limits = new BucketLimits(
                        parse(capacity, ConfigKeys.CAPACITY),
                        parse(refillTokens, ConfigKeys.REFILL_TOKENS),
                        parse(refillPeriod, ConfigKeys.REFILL_PERIOD));
                RateLimitPolicy policy = new RateLimitPolicy(
                        policyName,
                        limits,
                        parse(cost, ConfigKeys.COST),
                        property(ConfigKeys.FAILURE_MODE),
                        bands(prefixes),
                        new Leasing(property(ConfigKeys.LEASE), property(ConfigKeys.LEASE_SHARE)));
                ClientIdSource clientIdSource = property(ConfigKeys.CLIENT_ID);
                return new EndpointPolicy(
                        policy,
                        clientIdSource,
                        property(ConfigKeys.MISSING_CLIENT_ID),
                        property(ConfigKeys.MODE).cappedBy(globalMode),
                        tiering(policy, clientIdSource));
            } catch (InvalidLimitException e) {
                Setting culprit = used.get(e.property());
                throw invalid(
                        (culprit != null ? culprit.toString() : "policy '" + policyName + "'") + ": " + e.getMessage());
            }
        }

        /** A property without inline value: configured at a layer, else its default. */
        private <T> T property(ConfigKeys.Key<T> key) {
            return parse(find(key, null, null).orElse(builtIn(key)), key);
        }

        /**
         * The exemptions and the tiers. Tiers are declared where the policy is configured: for a named policy, a
         * method or class may only override the numbers of tiers its {@code ratelimit.policies.<name>.tiers.*}
         * declare, so that a misspelt tier there is refused rather than made a tier no caller is in.
         */
        private Tiering tiering(RateLimitPolicy own, ClientIdSource clientIdSource) {
            TierSource source = property(ConfigKeys.TIER);
            Map<String, Setting> declared = new TreeMap<>();
            Map<String, Setting> policyLayer =
                    named ? tierNamesUnder(ConfigKeys.POLICIES_PREFIX + policyName + ".") : Map.of();
            for (String prefix : prefixes) {
                tierNamesUnder(prefix).forEach((tier, key) -> {
                    if (named && !policyLayer.containsKey(tier)) {
                        throw invalid(key + ": policy '" + policyName + "' has no tier '" + tier + "' ("
                                + (policyLayer.isEmpty()
                                        ? "it declares none under " + ConfigKeys.POLICIES_PREFIX + policyName + "."
                                                + ConfigKeys.TIERS
                                        : "its tiers: " + String.join(", ", policyLayer.keySet()))
                                + ")"
                                + UnknownKeys.closest(
                                                ConfigKeys.envForm(tier),
                                                policyLayer.keySet(),
                                                Math.max(2, tier.length() / 3))
                                        .map(closest -> "; did you mean '" + closest + "'?")
                                        .orElse(""));
                    }
                    declared.putIfAbsent(tier, key);
                });
            }
            if (!declared.isEmpty() && source.kind() == TierSource.Kind.NONE) {
                throw invalid(declared.values().iterator().next() + ": policy '" + policyName + "' has tiers ("
                        + String.join(", ", declared.keySet()) + ") but reads no caller's tier: set "
                        + prefixes.get(prefixes.size() - 1) + ConfigKeys.TIER.name()
                        + " to header:<Header-Name>, role or resolver");
            }
            Optional<Setting> exemptClientsOwn = firstSet(prefixes, ConfigKeys.EXEMPT_CLIENTS);
            // A default list of exempt ids is for the policies that read ids: those limited as a whole ignore it.
            List<String> exemptClients = clientIdSource.wholeEndpoint()
                    ? exemptClientsOwn
                            .map(set -> parse(set, ConfigKeys.EXEMPT_CLIENTS))
                            .orElse(List.of())
                    : property(ConfigKeys.EXEMPT_CLIENTS);
            if (!exemptClients.isEmpty() && clientIdSource.wholeEndpoint()) {
                throw invalid(exemptClientsOwn.orElseThrow() + ": policy '" + policyName
                        + "' reads no client id (" + ConfigKeys.CLIENT_ID.name() + ": none); exempt callers by "
                        + ConfigKeys.EXEMPT_NETWORKS.name() + " or an unlimited tier");
            }
            List<Tier> tiers = new ArrayList<>();
            for (String tier : declared.keySet()) {
                tiers.add(tier(tier, own));
            }
            return new Tiering(source, tiers, exemptClients, property(ConfigKeys.EXEMPT_NETWORKS));
        }

        /**
         * One tier: each of its properties from the first layer that sets it for the tier, else the policy's own;
         * its refill-tokens, set nowhere for the tier, are its capacity when it has one of its own.
         */
        private Tier tier(String tier, RateLimitPolicy own) {
            List<String> tierPrefixes = prefixes.stream()
                    .map(prefix -> prefix + ConfigKeys.TIERS + tier + ".")
                    .toList();
            Optional<Setting> unlimited = firstSet(tierPrefixes, ConfigKeys.TIER_UNLIMITED);
            if (unlimited.isPresent() && parse(unlimited.get(), ConfigKeys.TIER_UNLIMITED)) {
                for (ConfigKeys.Key<?> property : ConfigKeys.TIER_PROPERTIES) {
                    Optional<Setting> set = firstSet(tierPrefixes, property);
                    if (!property.equals(ConfigKeys.TIER_UNLIMITED) && set.isPresent()) {
                        throw invalid(set.get() + ": tier '" + tier + "' of policy '" + policyName + "' is unlimited ("
                                + unlimited.get() + "), so it has no limits to set");
                    }
                }
                for (String prefix : tierPrefixes) {
                    if (!bandNames(prefix).isEmpty()) {
                        throw invalid(prefix + ConfigKeys.BANDS + "*: tier '" + tier + "' of policy '" + policyName
                                + "' is unlimited (" + unlimited.get() + "), so it has no bands");
                    }
                }
                return new Tier(tier, Optional.empty());
            }
            Optional<Setting> ownCapacity = firstSet(tierPrefixes, ConfigKeys.TIER_CAPACITY);
            Setting capacity = ownCapacity.orElse(used.get(ConfigKeys.CAPACITY.name()));
            Setting refillTokens = firstSet(tierPrefixes, ConfigKeys.TIER_REFILL_TOKENS)
                    .or(() -> ownCapacity)
                    .orElse(used.get(ConfigKeys.REFILL_TOKENS.name()));
            Setting refillPeriod = firstSet(tierPrefixes, ConfigKeys.TIER_REFILL_PERIOD)
                    .orElse(used.get(ConfigKeys.REFILL_PERIOD.name()));
            Setting cost = firstSet(tierPrefixes, ConfigKeys.TIER_COST).orElse(used.get(ConfigKeys.COST.name()));
            List<Band> bands = bands(tierPrefixes);
            try {
                return new Tier(
                        tier,
                        Optional.of(new RateLimitPolicy(
                                policyName,
                                new BucketLimits(
                                        parse(capacity, ConfigKeys.TIER_CAPACITY),
                                        parse(refillTokens, ConfigKeys.TIER_REFILL_TOKENS),
                                        parse(refillPeriod, ConfigKeys.TIER_REFILL_PERIOD)),
                                parse(cost, ConfigKeys.TIER_COST),
                                own.failureMode(),
                                bands.isEmpty() ? own.extraBands() : bands,
                                own.leasing())));
            } catch (InvalidLimitException e) {
                Setting culprit = Map.of(
                                ConfigKeys.CAPACITY.name(), capacity,
                                ConfigKeys.REFILL_TOKENS.name(), refillTokens,
                                ConfigKeys.REFILL_PERIOD.name(), refillPeriod,
                                ConfigKeys.COST.name(), cost)
                        .get(e.property());
                throw invalid((culprit != null ? culprit : "tier '" + tier + "'") + ": tier '" + tier + "' of policy '"
                        + policyName + "': " + e.getMessage());
            }
        }

        private Optional<Setting> firstSet(List<String> layerPrefixes, ConfigKeys.Key<?> property) {
            for (String prefix : layerPrefixes) {
                Optional<Setting> configured = setting(prefix + property.name());
                if (configured.isPresent()) {
                    return configured;
                }
            }
            return Optional.empty();
        }

        /**
         * The tiers configured under the prefix, each with one of its keys as written; cut out by position, as band
         * names are, and only those a lookup finds, so that another policy's keys that start alike are not taken.
         */
        private Map<String, Setting> tierNamesUnder(String prefix) {
            String tiersPrefix = ConfigKeys.envForm(prefix + ConfigKeys.TIERS);
            Map<String, Setting> names = new TreeMap<>();
            for (Map.Entry<String, String> configured : envFormByName.entrySet()) {
                String key = configured.getKey();
                if (!configured.getValue().startsWith(tiersPrefix)) {
                    continue;
                }
                Matcher segment = TIER_SEGMENT.matcher(key.substring(tiersPrefix.length()));
                if (!segment.matches()) {
                    continue;
                }
                String name = segment.group(1);
                String spelt = key.equals(configured.getValue()) ? name.toLowerCase(Locale.ROOT) : name;
                String tierPrefix = prefix + ConfigKeys.TIERS + spelt + ".";
                Optional<Setting> set = ConfigKeys.TIER_PROPERTIES.stream()
                        .map(property -> setting(tierPrefix + property.name()))
                        .flatMap(Optional::stream)
                        .findFirst();
                if (set.isEmpty() && bandNames(tierPrefix).isEmpty()) {
                    continue;
                }
                if (!BAND_NAME.matcher(spelt).matches()) {
                    throw invalid(
                            key + ": a tier's name must be 1 to 32 lower-case letters or digits, was '" + name + "'");
                }
                if (spelt.equals(Tiering.OWN_LIMITS) || spelt.equals(Tiering.EXEMPT)) {
                    throw invalid(key + ": '" + spelt + "' cannot name a tier: metrics tag calls under the policy's"
                            + " own limits '" + Tiering.OWN_LIMITS + "', and exempt callers '" + Tiering.EXEMPT + "'");
                }
                names.putIfAbsent(spelt, set.or(() -> setting(key)).orElseThrow());
            }
            return names;
        }

        /** The bands of the first of the layers that configures any, in the order of their names. */
        private List<Band> bands(List<String> layerPrefixes) {
            for (String prefix : layerPrefixes) {
                Set<String> names = bandNames(prefix);
                if (!names.isEmpty()) {
                    List<Band> bands = new ArrayList<>();
                    for (String name : names) {
                        bands.add(band(prefix + ConfigKeys.BANDS + name + ".", name));
                    }
                    return bands;
                }
            }
            return List.of();
        }

        /**
         * Band names under the prefix, however spelt: Open Liberty lists an environment variable as its lower-case
         * dotted form, and every spelling keeps the name's length and place, so the name is cut out by position.
         */
        private Set<String> bandNames(String prefix) {
            String bandsPrefix = ConfigKeys.envForm(prefix + ConfigKeys.BANDS);
            Set<String> names = new TreeSet<>();
            for (Map.Entry<String, String> configured : envFormByName.entrySet()) {
                String key = configured.getKey();
                String env = configured.getValue();
                for (String suffix : BAND_PROPERTY_ENV_SUFFIXES) {
                    if (env.startsWith(bandsPrefix)
                            && env.endsWith(suffix)
                            && env.length() > bandsPrefix.length() + suffix.length()) {
                        String name = key.substring(bandsPrefix.length(), key.length() - suffix.length());
                        String spelt = key.equals(env) ? name.toLowerCase(Locale.ROOT) : name;
                        if (!ONE_SEGMENT.matcher(name).matches()
                                || ConfigKeys.BAND.stream()
                                        .noneMatch(band -> value(prefix + ConfigKeys.BANDS + spelt + "." + band.name())
                                                .isPresent())) {
                            // Another policy's key whose name starts like this one's (probe and probe-bands, api
                            // and api-bands-hour); or a name that is no band's, which the unknown-key check reports.
                            continue;
                        }
                        if (!BAND_NAME.matcher(spelt).matches()) {
                            throw invalid(key + ": a band's name must be 1 to 32 lower-case letters or digits,"
                                    + " was '" + name + "'");
                        }
                        names.add(spelt);
                    }
                }
            }
            return names;
        }

        private Band band(String bandPrefix, String name) {
            Setting capacity = setting(bandPrefix + ConfigKeys.BAND_CAPACITY.name())
                    .orElseThrow(() -> invalid("no capacity is configured for band '" + name + "' of policy '"
                            + policyName + "': set " + bandPrefix + ConfigKeys.BAND_CAPACITY.name()));
            Setting refillTokens =
                    setting(bandPrefix + ConfigKeys.BAND_REFILL_TOKENS.name()).orElse(capacity);
            Setting refillPeriod = setting(bandPrefix + ConfigKeys.BAND_REFILL_PERIOD.name())
                    .orElse(builtIn(ConfigKeys.BAND_REFILL_PERIOD));
            try {
                return new Band(
                        name,
                        new BucketLimits(
                                parse(capacity, ConfigKeys.BAND_CAPACITY),
                                parse(refillTokens, ConfigKeys.BAND_REFILL_TOKENS),
                                parse(refillPeriod, ConfigKeys.BAND_REFILL_PERIOD)));
            } catch (InvalidLimitException e) {
                Setting culprit = Map.of(
                                ConfigKeys.BAND_CAPACITY.name(), capacity,
                                ConfigKeys.BAND_REFILL_TOKENS.name(), refillTokens,
                                ConfigKeys.BAND_REFILL_PERIOD.name(), refillPeriod)
                        .get(e.property());
                throw invalid((culprit != null ? culprit : bandPrefix) + ": " + e.getMessage());
            }
        }

        private Optional<Setting> find(ConfigKeys.Key<?> property, String inlineValue, String annotationMember) {
            for (String prefix : prefixes) {
                Optional<Setting> configured = setting(prefix + property.name());
                if (configured.isPresent()) {
                    return configured;
                }
            }
            if (inlineValue != null && !inlineValue.isEmpty()) {
                return Optional.of(new Setting("@RateLimited(" + annotationMember + ")", inlineValue));
            }
            return setting(ConfigKeys.DEFAULTS_PREFIX + property.name());
        }

        private InvalidRateLimitConfigException missingCapacity() {
            String capacity = ConfigKeys.CAPACITY.name();
            String where =
                    named ? ConfigKeys.POLICIES_PREFIX + policyName + "." + capacity : prefixes.get(0) + capacity;
            return invalid("no capacity is configured for policy '" + policyName + "': set " + where
                    + ", @RateLimited(capacity = ...) or " + ConfigKeys.DEFAULTS_PREFIX + capacity);
        }

        private InvalidRateLimitConfigException invalid(String problem) {
            return InvalidRateLimitConfigException.forEndpoint(endpoint, problem);
        }

        private <T> T parse(Setting setting, ConfigKeys.Key<T> key) {
            try {
                return key.parse(setting.value());
            } catch (IllegalArgumentException e) {
                throw invalid(setting + ": " + e.getMessage());
            }
        }
    }

    private Optional<String> value(String key) {
        return config.getOptionalValue(key, String.class);
    }

    /** The key's value, named as it was written: the environment variable when it came from one. */
    private Optional<Setting> setting(String key) {
        return value(key).map(value -> new Setting(written.of(key, value), value));
    }

    private static String inline(long annotationValue) {
        return annotationValue == RateLimited.UNSET ? null : Long.toString(annotationValue);
    }

    private static Setting builtIn(ConfigKeys.Key<?> key) {
        return new Setting("built-in default", key.defaultValue().orElseThrow());
    }
}

package dev.ratelimit.integration.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A key as the user wrote it, for messages: the environment variable when the value came from one (MicroProfile
 * Config finds {@code ratelimit.redis.url} in {@code RATELIMIT_REDIS_URL}), else the key itself. A container's
 * operator then reads the name they set, not a key they never wrote.
 */
final class WrittenKeys {

    /** An environment variable as containers write them; Open Liberty also lists it lower-case and dotted. */
    private static final Pattern VARIABLE = Pattern.compile("[A-Z0-9_]+");

    private final Map<String, String> environment;

    /** @param environment the process' environment variables, as {@link System#getenv()} gives them */
    WrittenKeys(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /**
     * The name under which the value was found: the first of the names MicroProfile Config looks the key up by in
     * the environment (the key, its non-alphanumerics as '_', then that in upper case) whose variable holds this
     * value; else the key.
     */
    String of(String key, String value) {
        String underscored = key.replaceAll("[^A-Za-z0-9]", "_");
        for (String variable : List.of(key, underscored, ConfigKeys.envForm(key))) {
            if (value.equals(environment.get(variable))) {
                return variable;
            }
        }
        return key;
    }

    /** Whether a configured name is spelt as an environment variable is. */
    static boolean isVariable(String name) {
        return VARIABLE.matcher(name).matches();
    }

    /** The environment variable a listed name stands for, e.g. the one Open Liberty lists lower-case and dotted. */
    Optional<String> variableFor(String name) {
        String env = ConfigKeys.envForm(name);
        return environment.keySet().stream()
                .filter(variable -> ConfigKeys.envForm(variable).equals(env))
                .sorted()
                .findFirst();
    }
}

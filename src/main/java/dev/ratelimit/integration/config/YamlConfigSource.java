package dev.ratelimit.integration.config;

import org.eclipse.microprofile.config.spi.ConfigSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Reads {@code rate_limits.yaml} as a MicroProfile ConfigSource. Nested mappings become dotted keys
 * ({@code ratelimit: {policies: {orders: {capacity: 5}}}} is {@code ratelimit.policies.orders.capacity=5});
 * lists become comma-separated values.
 *
 * <p>The file is the one named by the system property {@value #LOCATION_PROPERTY} or the environment
 * variable {@value #LOCATION_ENV}; without either, {@value #CLASSPATH_RESOURCE} on the application's
 * classpath, if there is one. Its ordinal, {@value #DEFAULT_ORDINAL} unless the file sets
 * {@code config_ordinal}, puts it above {@code microprofile-config.properties} and below environment
 * variables and system properties, so those override it.
 *
 * <p>A file that cannot be read or parsed yields no properties and a {@link #problem()}, which fails the
 * deployment with the file's path and the line and column at fault: a config source that threw while
 * MicroProfile Config starts would show only a bare deployment error.
 */
public final class YamlConfigSource implements ConfigSource {

    static final String LOCATION_PROPERTY = "ratelimit.config.file";
    static final String LOCATION_ENV = "RATELIMIT_CONFIG_FILE";
    static final String CLASSPATH_RESOURCE = "rate_limits.yaml";
    static final int DEFAULT_ORDINAL = 200;

    private final String name;
    private final Map<String, String> properties;
    private final int ordinal;
    private final String problem;

    /** The source ServiceLoader creates: the configured file, else the classpath resource. */
    public YamlConfigSource() {
        this(configuredLocation());
    }

    private YamlConfigSource(Location location) {
        this(location.name(), location.content(), location.problem());
    }

    YamlConfigSource(String name, String yaml) {
        this(name, yaml, null);
    }

    private YamlConfigSource(String name, String yaml, String readProblem) {
        this.name = "YamlConfigSource[" + name + "]";
        Map<String, String> parsed = Map.of();
        String found = readProblem;
        if (found == null) {
            try {
                parsed = flatten(name, yaml);
            } catch (InvalidYamlException e) {
                found = e.getMessage();
            }
        }
        int parsedOrdinal = DEFAULT_ORDINAL;
        String ordinalText = parsed.get(CONFIG_ORDINAL);
        if (ordinalText != null) {
            try {
                parsedOrdinal = Integer.parseInt(ordinalText.trim());
            } catch (NumberFormatException e) {
                found = name + ": " + CONFIG_ORDINAL + "=" + ordinalText + " is not a whole number";
                parsed = Map.of();
            }
        }
        this.properties = Collections.unmodifiableMap(parsed);
        this.ordinal = parsedOrdinal;
        this.problem = found;
    }

    /** Why the file gave no properties: unreadable, not YAML, or not a mapping of keys to values. */
    Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public int getOrdinal() {
        return ordinal;
    }

    private record Location(String name, String content, String problem) {
    }

    private static final class InvalidYamlException extends RuntimeException {
        InvalidYamlException(String message) {
            super(message);
        }
    }

    private static Location configuredLocation() {
        String configured = System.getProperty(LOCATION_PROPERTY, System.getenv(LOCATION_ENV));
        if (configured != null && !configured.isBlank()) {
            Path file = Path.of(configured.trim()).toAbsolutePath();
            try {
                return new Location(file.toString(), Files.readString(file), null);
            } catch (IOException e) {
                return new Location(file.toString(), "", LOCATION_PROPERTY + " (" + LOCATION_ENV + ") names " + file
                        + ", which cannot be read: " + e);
            }
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        URL resource = (loader != null ? loader : YamlConfigSource.class.getClassLoader()).getResource(CLASSPATH_RESOURCE);
        if (resource == null) {
            return new Location("classpath:" + CLASSPATH_RESOURCE + " (absent)", "", null);
        }
        String name = CLASSPATH_RESOURCE + " on the application's classpath (" + resource + ")";
        try (InputStream in = resource.openStream()) {
            return new Location(name, new String(in.readAllBytes(), StandardCharsets.UTF_8), null);
        } catch (IOException e) {
            return new Location(name, "", name + " cannot be read: " + e);
        }
    }

    private static Map<String, String> flatten(String name, String yaml) {
        Map<String, String> flat = new TreeMap<>();
        Object document;
        try {
            // The YAML 1.2 core schema: null, ~ and an empty value all mean "not set".
            LoadSettings settings = LoadSettings.builder().setLabel(name).setSchema(new CoreSchema()).build();
            document = new Load(settings).loadFromString(yaml);
        } catch (YamlEngineException e) {
            throw new InvalidYamlException(name + " is not valid YAML: " + e.getMessage());
        }
        if (document == null) {
            return flat;
        }
        if (!(document instanceof Map<?, ?> root)) {
            throw new InvalidYamlException(name + " must be a mapping of keys to values at its top level");
        }
        flatten(name, "", root, flat);
        return flat;
    }

    private static void flatten(String name, String prefix, Map<?, ?> mapping, Map<String, String> flat) {
        for (Map.Entry<?, ?> entry : mapping.entrySet()) {
            String key = prefix + entry.getKey();
            Object value = entry.getValue();
            if (value instanceof Map<?, ?> nested) {
                flatten(name, key + ".", nested, flat);
            } else if (value instanceof List<?> list) {
                // MicroProfile Config splits lists at unescaped commas and unescapes backslashes.
                flat.put(key, list.stream().filter(Objects::nonNull)
                        .map(item -> scalar(name, key, item).replace("\\", "\\\\").replace(",", "\\,"))
                        .collect(Collectors.joining(",")));
            } else if (value != null) {
                flat.put(key, scalar(name, key, value));
            }
        }
    }

    private static String scalar(String name, String key, Object value) {
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            throw new InvalidYamlException(name + ": " + key
                    + " holds a list of mappings or lists; only lists of plain values are supported");
        }
        return String.valueOf(value);
    }
}

package dev.ratelimit.integration.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.CoreSchema;

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
 *
 * <p>A file named by the property or variable is read again by {@link #refresh()} once it changed, so that
 * edited limits reach a running application. A file that then cannot be read or parsed keeps the properties
 * it gave last, with the problem. The ordinal stays the one read first: MicroProfile Config orders its
 * sources once.
 */
public final class YamlConfigSource implements ConfigSource {

    static final String LOCATION_PROPERTY = "ratelimit.config.file";
    static final String LOCATION_ENV = "RATELIMIT_CONFIG_FILE";
    static final String CLASSPATH_RESOURCE = "rate_limits.yaml";
    static final int DEFAULT_ORDINAL = 200;

    private final String name;
    private final int ordinal;
    /** The file on disk, when there is one to read again; a resource inside the application cannot change. */
    private final Path file;

    private FileStamp readStamp;
    private volatile Content content;

    /** The source ServiceLoader creates: the configured file, else the classpath resource. */
    public YamlConfigSource() {
        this(configuredLocation());
    }

    /** The source of a file on disk, as {@value #LOCATION_PROPERTY} names it. */
    YamlConfigSource(Path file) {
        this(read(file.toAbsolutePath()));
    }

    YamlConfigSource(String name, String yaml) {
        this(new Location(name, yaml, null, null, null));
    }

    private YamlConfigSource(Location location) {
        this.name = "YamlConfigSource[" + location.name() + "]";
        this.file = location.file();
        this.readStamp = location.stamp();
        this.content = parse(location);
        this.ordinal = Optional.ofNullable(content.properties().get(CONFIG_ORDINAL))
                .map(text -> Integer.parseInt(text.trim()))
                .orElse(DEFAULT_ORDINAL);
    }

    /** Why the file gave no properties, or no new ones: unreadable, not YAML, or not a mapping of keys to values. */
    Optional<String> problem() {
        return Optional.ofNullable(content.problem());
    }

    /**
     * Reads the file again if its modification time, size or identity changed since it was last read: one
     * {@code stat}, cheap enough for every reload. Called before a reload reads its keys rather than on each
     * lookup, so that the lookups of one reload all see one version of the file.
     *
     * @return whether the file was read again
     */
    synchronized boolean refresh() {
        if (file == null) {
            return false;
        }
        FileStamp stamp = FileStamp.of(file);
        if (stamp.sameAs(readStamp)) {
            return false;
        }
        Location location = read(file);
        Content reread = parse(location);
        content = reread.problem() == null ? reread : new Content(content.properties(), reread.problem());
        readStamp = location.stamp();
        return true;
    }

    @Override
    public Map<String, String> getProperties() {
        return content.properties();
    }

    @Override
    public Set<String> getPropertyNames() {
        return content.properties().keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return content.properties().get(propertyName);
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public int getOrdinal() {
        return ordinal;
    }

    /** @param file  the file on disk, null for a resource */
    private record Location(String name, String content, String problem, Path file, FileStamp stamp) {}

    /** The properties one reading gave, or none and why. */
    private record Content(Map<String, String> properties, String problem) {}

    /**
     * What tells a changed file from the one read: the inode too, since a file replaced by a rename (as
     * Kubernetes swaps a mounted ConfigMap) may keep the size and time.
     */
    private record FileStamp(FileTime modified, Long size, Object key) {

        /**
         * A file modified this recently may be written again within the same tick of a coarse file-system
         * clock, keeping time and size: it is read again until it is older (as git treats "racily clean" files).
         */
        private static final Duration RACY = Duration.ofSeconds(2);

        private static final FileStamp UNKNOWN = new FileStamp(null, null, null);

        static FileStamp of(Path file) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                if (attributes
                        .lastModifiedTime()
                        .toInstant()
                        .isAfter(Instant.now().minus(RACY))) {
                    return UNKNOWN;
                }
                return new FileStamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
            } catch (IOException e) {
                return UNKNOWN;
            }
        }

        /** Unknown stamps, which have no time, never match, so that the file is read again. */
        boolean sameAs(FileStamp other) {
            return modified != null && equals(other);
        }
    }

    private static final class InvalidYamlException extends RuntimeException {
        InvalidYamlException(String message) {
            super(message);
        }
    }

    private static Location configuredLocation() {
        String configured = System.getProperty(LOCATION_PROPERTY, System.getenv(LOCATION_ENV));
        if (configured != null && !configured.isBlank()) {
            try {
                return read(ConfigKeys.CONFIG_FILE.parse(configured).toAbsolutePath());
            } catch (IllegalArgumentException e) {
                return new Location(
                        configured,
                        "",
                        LOCATION_PROPERTY + " (" + LOCATION_ENV + ")=" + configured + ": " + e.getMessage(),
                        null,
                        null);
            }
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        URL resource =
                (loader != null ? loader : YamlConfigSource.class.getClassLoader()).getResource(CLASSPATH_RESOURCE);
        if (resource == null) {
            return new Location("classpath:" + CLASSPATH_RESOURCE + " (absent)", "", null, null, null);
        }
        String name = CLASSPATH_RESOURCE + " on the application's classpath (" + resource + ")";
        try (InputStream in = resource.openStream()) {
            return new Location(name, new String(in.readAllBytes(), StandardCharsets.UTF_8), null, null, null);
        } catch (IOException e) {
            return new Location(name, "", name + " cannot be read: " + e, null, null);
        }
    }

    /** The stamp is taken before the content, so that a write in between is read again at the next refresh. */
    private static Location read(Path file) {
        FileStamp stamp = FileStamp.of(file);
        try {
            return new Location(file.toString(), Files.readString(file), null, file, stamp);
        } catch (IOException e) {
            return new Location(
                    file.toString(),
                    "",
                    LOCATION_PROPERTY + " (" + LOCATION_ENV + ") names " + file + ", which cannot be read: " + e,
                    file,
                    stamp);
        }
    }

    private static Content parse(Location location) {
        if (location.problem() != null) {
            return new Content(Map.of(), location.problem());
        }
        Map<String, String> parsed;
        try {
            parsed = flatten(location.name(), location.content());
        } catch (InvalidYamlException e) {
            return new Content(Map.of(), e.getMessage());
        }
        String ordinalText = parsed.get(CONFIG_ORDINAL);
        if (ordinalText != null) {
            try {
                Integer.parseInt(ordinalText.trim());
            } catch (NumberFormatException e) {
                return new Content(
                        Map.of(),
                        location.name() + ": " + CONFIG_ORDINAL + "=" + ordinalText + " is not a whole number");
            }
        }
        return new Content(Collections.unmodifiableMap(parsed), null);
    }

    private static Map<String, String> flatten(String name, String yaml) {
        Map<String, String> flat = new TreeMap<>();
        Object document;
        try {
            // The YAML 1.2 core schema: null, ~ and an empty value all mean "not set".
            LoadSettings settings = LoadSettings.builder()
                    .setLabel(name)
                    .setSchema(new CoreSchema())
                    .build();
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
                flat.put(
                        key,
                        list.stream()
                                .filter(Objects::nonNull)
                                .map(item -> scalar(name, key, item)
                                        .replace("\\", "\\\\")
                                        .replace(",", "\\,"))
                                .collect(Collectors.joining(",")));
            } else if (value != null) {
                flat.put(key, scalar(name, key, value));
            }
        }
    }

    private static String scalar(String name, String key, Object value) {
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            throw new InvalidYamlException(
                    name + ": " + key + " holds a list of mappings or lists; only lists of plain values are supported");
        }
        return String.valueOf(value);
    }
}

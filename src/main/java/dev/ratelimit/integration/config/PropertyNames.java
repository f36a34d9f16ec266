package dev.ratelimit.integration.config;

import java.util.Set;
import java.util.TreeSet;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Every configured name, as it is now. A MicroProfile Config implementation may keep the list of names it
 * made when first asked (SmallRye Config 3.17 does), which would hide from a reload the keys added since: the
 * sources' own names are added to it.
 */
final class PropertyNames {

    private PropertyNames() {}

    /** Sorted, so that a reload finding the same problems reports them in the same order. */
    static Set<String> of(Config config) {
        Set<String> names = new TreeSet<>();
        config.getPropertyNames().forEach(names::add);
        for (ConfigSource source : config.getConfigSources()) {
            names.addAll(source.getPropertyNames());
        }
        return names;
    }
}

package dev.ratelimit.core;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One more limit a policy enforces beside its own, e.g. 1,000 per hour beside 20 per second: a call is
 * allowed only when every band of its policy holds its cost, and then takes it from all of them.
 *
 * @param name   the band's name within its policy: it ends the band's Redis key and its header item's name
 * @param limits the band's bucket
 */
public record Band(String name, BucketLimits limits) {

    /** Lower-case letters and digits only, so that an environment variable spells the name one way. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]{1,32}");

    public Band {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidLimitException(
                    "bands", "a band's name must be 1 to 32 lower-case letters or digits," + " was '" + name + "'");
        }
        Objects.requireNonNull(limits, "limits");
    }
}

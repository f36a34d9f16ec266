package dev.ratelimit.core;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators write them: {@code 500ms}, {@code 1s}, {@code 1m}, {@code 1h}, {@code 1d} or ISO-8601
 * {@code PT1M}; configuration is read in these forms, and logs and messages write them the same way.
 */
public final class Durations {

    private static final Pattern SHORT_FORM = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h|d)");

    private Durations() {}

    /**
     * Reads a duration in a short form or ISO-8601, ignoring case and surrounding whitespace.
     *
     * @throws IllegalArgumentException naming the text and the accepted forms
     */
    public static Duration parse(String text) {
        String trimmed = text.trim().toLowerCase(Locale.ROOT);
        Matcher shortForm = SHORT_FORM.matcher(trimmed);
        if (shortForm.matches()) {
            long amount = Long.parseLong(shortForm.group(1));
            return switch (shortForm.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        }
        try {
            return Duration.parse(trimmed.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a duration: write e.g. 500ms, 1s, 1m, 1h, 1d or PT1M");
        }
    }

    /**
     * The duration in the largest unit that writes it whole, as configuration is written: {@code 500ms}, {@code 10s},
     * {@code 1m}, {@code 1h}, {@code 1d}; a fraction of a millisecond is written in ISO-8601.
     */
    public static String format(Duration duration) {
        // ISO-8601 too for what no long of milliseconds holds: 292 million years and more
        if (duration.toNanosPart() % 1_000_000 != 0 || Math.abs(duration.toSeconds()) > Long.MAX_VALUE / 1000) {
            return duration.toString();
        }
        long millis = duration.toMillis();
        if (millis == 0) {
            return "0ms";
        }
        for (Unit unit : Unit.values()) {
            if (millis % unit.millis == 0) {
                return millis / unit.millis + unit.suffix;
            }
        }
        return millis + "ms";
    }

    /** The short forms' units, largest first. */
    private enum Unit {
        DAY(86_400_000, "d"),
        HOUR(3_600_000, "h"),
        MINUTE(60_000, "m"),
        SECOND(1_000, "s");

        private final long millis;
        private final String suffix;

        Unit(long millis, String suffix) {
            this.millis = millis;
            this.suffix = suffix;
        }
    }
}

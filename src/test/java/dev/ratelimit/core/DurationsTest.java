package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "''{0}'' = {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "500ms    | PT0.5S",
                "1ms      | PT0.001S",
                "0ms      | PT0S",
                "1s       | PT1S",
                "90s      | PT1M30S",
                "1m       | PT1M",
                "15m      | PT15M",
                "1h       | PT1H",
                "1d       | PT24H",
                "7d       | PT168H",
                "999999999999ms | PT277777H46M39.999S",
            })
    void readsTheShortForms(String text, String expected) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(expected));
    }

    @ParameterizedTest(name = "''{0}'' = {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "PT1M     | PT1M",
                "PT0.25S  | PT0.25S",
                "PT1H30M  | PT1H30M",
                "P1D      | PT24H",
                "P1DT1S   | PT24H0M1S",
            })
    void readsIso8601(String text, String expected) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(expected));
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"1S", "1 s", "  1s", "1s  ", "\t1s\n", " 1  S ", "1\ts"})
    void ignoresCaseAndWhitespaceAroundAndBeforeTheUnit(String text) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofSeconds(1));
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"pt1m", "Pt1M", " PT1M ", "1M", "1 m"})
    void isoAndShortFormsIgnoreCase(String text) {
        // Both a lower-case ISO form and an upper-case short form mean minutes, never months
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void shortFormMsIsMillisecondsNotMinutesThenSeconds() {
        assertThat(Durations.parse("5MS")).isEqualTo(Duration.ofMillis(5));
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(
            strings = {
                "",
                " ",
                "abc",
                "1",
                "100",
                "s",
                "ms",
                "1.5s",
                "1,5s",
                "-1s",
                "+1s",
                "1w",
                "1y",
                "1sec",
                "1 seconds",
                "1s1m",
                "1 h 2 m",
                "P1M",
                "P1Y",
                "PT",
                "P",
                "1000000000000s",
                "0x10s",
                "PT1M garbage",
            })
    void rejectsOtherTextNamingItAndShowingTheAcceptedForms(String text) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Durations.parse(text))
                .withMessage("'" + text + "' is not a duration: write e.g. 500ms, 1s, 1m, 1h, 1d or PT1M");
    }

    @Test
    void twelveDigitsAreTheLongestShortForm() {
        assertThat(Durations.parse("999999999999s")).isEqualTo(Duration.ofSeconds(999_999_999_999L));
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse("1000000000000s"));
    }

    @Test
    void negativeIsoDurationsAreReadAsWrittenForTheCallerToRefuse() {
        // Durations only reads; LimiterSettings and BucketLimits reject periods under 1ms
        assertThat(Durations.parse("PT-1S")).isNegative();
    }

    @ParameterizedTest(name = "{0} is written {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "PT0.5S    | 500ms",
                "PT0S      | 0ms",
                "PT1S      | 1s",
                "PT10S     | 10s",
                "PT1M30S   | 90s",
                "PT1M      | 1m",
                "PT1H      | 1h",
                "PT24H     | 1d",
                "PT1.001S  | 1001ms",
                "PT0.0001S | PT0.0001S",
                "PT2562047788016H | PT2562047788016H",
            })
    void writesTheLargestUnitThatHoldsItWhole(String iso, String written) {
        assertThat(Durations.format(Duration.parse(iso))).isEqualTo(written);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"500ms", "1s", "10s", "1m", "90s", "1h", "1d", "7d", "1001ms"})
    void readsWhatItWrites(String written) {
        assertThat(Durations.format(Durations.parse(written))).isEqualTo(written);
    }
}

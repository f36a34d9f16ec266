package dev.ratelimit.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.integration.config.ConfigKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The configuration reference lists exactly the keys the code reads, with the defaults the code applies: a key added,
 * renamed or given another default in the catalogue fails here until the page says so too.
 */
class ConfigurationReferenceTest {

    private static final Path REFERENCE = Path.of("docs/configuration.md");
    /** {@code | `key` | `default` or none | meaning |}: the key and the default of one row. */
    private static final Pattern ROW =
            Pattern.compile("^\\| `([^`]+)` \\| (`[^`]*`|[^|`]+?) \\|.*$", Pattern.MULTILINE);

    @Test
    void theSharedSettingsTableListsEveryKeyOfTheCatalogueWithItsDefault() throws IOException {
        Map<String, String> expected = new LinkedHashMap<>();
        ConfigKeys.settings().forEach(key -> expected.put(key.name(), key.documentedDefault()));

        assertThat(rows("### Shared settings"))
                .as("rows of docs/configuration.md > Reference > Shared settings; expected:%n%s", table(expected))
                .containsExactlyInAnyOrderEntriesOf(expected);
    }

    @Test
    void thePolicyPropertiesTableListsEveryPropertyBandPropertyAndTierPropertyWithItsDefault() throws IOException {
        Map<String, String> expected = new LinkedHashMap<>();
        ConfigKeys.POLICY.forEach(key -> expected.put(key.name(), key.documentedDefault()));
        ConfigKeys.BAND.forEach(key -> expected.put("bands.<band>." + key.name(), key.documentedDefault()));
        ConfigKeys.TIER_PROPERTIES.forEach(key -> expected.put("tiers.<tier>." + key.name(), key.documentedDefault()));

        assertThat(rows("### Policy properties"))
                .as("rows of docs/configuration.md > Reference > Policy properties; expected:%n%s", table(expected))
                .containsExactlyInAnyOrderEntriesOf(expected);
    }

    /** Each row's key to its default, backticks taken off, of the table under the heading. */
    private static Map<String, String> rows(String heading) throws IOException {
        String page = Files.readString(REFERENCE);
        int reference = page.indexOf("\n## Reference");
        assertThat(reference)
                .as("docs/configuration.md has a section Reference")
                .isPositive();
        int start = page.indexOf("\n" + heading + "\n", reference);
        assertThat(start).as("Reference has a section %s", heading).isPositive();
        int end = page.indexOf("\n#", start + heading.length() + 2);
        Matcher row = ROW.matcher(page.substring(start, end < 0 ? page.length() : end));
        Map<String, String> rows = new LinkedHashMap<>();
        while (row.find()) {
            rows.put(row.group(1), row.group(2).replace("`", "").strip());
        }
        return rows;
    }

    private static String table(Map<String, String> keys) {
        return keys.entrySet().stream()
                .map(key -> "| `" + key.getKey() + "` | "
                        + (key.getValue().equals("none") ? "none" : "`" + key.getValue() + "`") + " | ... |")
                .collect(Collectors.joining("\n"));
    }

    @Test
    void everyRowOfTheReferenceIsOneOfTheTwoTables() throws IOException {
        String page = Files.readString(REFERENCE);
        String reference = page.substring(page.indexOf("\n## Reference"));
        List<String> keyRows =
                ROW.matcher(reference).results().map(match -> match.group(1)).toList();

        assertThat(keyRows)
                .hasSize(ConfigKeys.settings().size()
                        + ConfigKeys.POLICY.size()
                        + ConfigKeys.BAND.size()
                        + ConfigKeys.TIER_PROPERTIES.size());
    }
}

package dev.ratelimit.integration.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.ratelimit.integration.http.ClientIdSource.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ClientIdSourceTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "header:X-Api-Key      | header:X-Api-Key",
                "HEADER:X-Api-Key      | header:X-Api-Key",
                "header:x-TENANT       | header:x-TENANT",
                "  header: X-Api-Key   | header:X-Api-Key",
                "principal             | principal",
                "Principal             | principal",
                "remote-address        | remote-address",
                "REMOTE-ADDRESS        | remote-address",
                "none                  | none",
                " None                 | none",
            })
    void parsesEachFormAndWritesItBackAsConfigWouldSayIt(String text, String written) {
        assertThat(ClientIdSource.parse(text)).hasToString(written);
    }

    @ParameterizedTest
    @ValueSource(strings = {"header:", "header:  ", "cookie:session", "remote_address", "ip", ""})
    void refusesAnythingElseNamingTheForms(String text) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ClientIdSource.parse(text))
                .withMessage("must be header:<Header-Name>, principal, remote-address or none");
    }

    @Test
    void onlyNoneLimitsTheEndpointAsAWhole() {
        assertThat(ClientIdSource.parse("none").wholeEndpoint()).isTrue();
        assertThat(List.of(ClientIdSource.PRINCIPAL, ClientIdSource.REMOTE_ADDRESS, ClientIdSource.header("X-Id")))
                .noneMatch(ClientIdSource::wholeEndpoint);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "\t"})
    void aHeaderSourceNeedsAHeaderName(String header) {
        assertThatIllegalArgumentException().isThrownBy(() -> ClientIdSource.header(header));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PRINCIPAL", "REMOTE_ADDRESS", "NONE"})
    void otherSourcesNameNoHeader(Kind kind) {
        assertThatIllegalArgumentException().isThrownBy(() -> new ClientIdSource(kind, "X-Client-Id"));
    }
}

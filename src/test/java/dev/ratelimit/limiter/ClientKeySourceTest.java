package dev.ratelimit.limiter;

import dev.ratelimit.limiter.ClientKeySource.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ClientKeySourceTest {

    @Test
    void headerSourceKeepsTheHeaderName() {
        ClientKeySource source = ClientKeySource.header("X-Api-Key");

        assertThat(source.kind()).isEqualTo(Kind.HEADER);
        assertThat(source.header()).isEqualTo("X-Api-Key");
        assertThat(source).hasToString("header:X-Api-Key");
    }

    @Test
    void principalAndRemoteAddressHaveNoHeader() {
        assertThat(ClientKeySource.PRINCIPAL.kind()).isEqualTo(Kind.PRINCIPAL);
        assertThat(ClientKeySource.PRINCIPAL.header()).isNull();
        assertThat(ClientKeySource.PRINCIPAL).hasToString("principal");

        assertThat(ClientKeySource.REMOTE_ADDRESS.kind()).isEqualTo(Kind.REMOTE_ADDRESS);
        assertThat(ClientKeySource.REMOTE_ADDRESS.header()).isNull();
        assertThat(ClientKeySource.REMOTE_ADDRESS).hasToString("remote-address");
    }

    @Test
    void equalSourcesAreEqual() {
        assertThat(ClientKeySource.header("X-Client-Id"))
                .isEqualTo(ClientKeySource.header("X-Client-Id"))
                .isNotEqualTo(ClientKeySource.header("X-Other"));
        assertThat(new ClientKeySource(Kind.PRINCIPAL, null)).isEqualTo(ClientKeySource.PRINCIPAL);
        assertThat(new ClientKeySource(Kind.REMOTE_ADDRESS, null)).isEqualTo(ClientKeySource.REMOTE_ADDRESS);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "\t", "  \n "})
    void headerSourceNeedsANonBlankHeaderName(String header) {
        InvalidLimitException e = catchThrowableOfType(InvalidLimitException.class, () -> ClientKeySource.header(header));

        assertThat(e.property()).isEqualTo("key");
        assertThat(e).hasMessage("key needs a header name exactly when it reads a header");
    }

    @ParameterizedTest
    @ValueSource(strings = {"PRINCIPAL", "REMOTE_ADDRESS"})
    void otherSourcesMustNotNameAHeader(Kind kind) {
        InvalidLimitException e = catchThrowableOfType(InvalidLimitException.class,
                () -> new ClientKeySource(kind, "X-Client-Id"));

        assertThat(e.property()).isEqualTo("key");
    }
}

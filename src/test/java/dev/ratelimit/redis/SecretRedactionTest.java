package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisDataException;

class SecretRedactionTest {

    private static final String PASSWORD = "s3cret-Pa55";
    private static final SecretRedaction REDACTION = new SecretRedaction(List.of(PASSWORD));
    private static final String ECHO =
            "ERR unknown command 'HELLO', with args beginning with: '2' 'AUTH' 'u' '" + PASSWORD + "'";

    private static String printed(Throwable failure) {
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        return trace.toString();
    }

    @Test
    void aSecretInACauseIsHiddenAndTheRestKept() {
        Throwable redacted =
                REDACTION.redact(new IllegalStateException("handshake failed", new JedisDataException(ECHO)));

        assertThat(printed(redacted)).doesNotContain(PASSWORD).contains("handshake failed", "'AUTH' 'u' '***'");
    }

    @Test
    void aSecretInTheSuppressedFailureOfEachNodeTriedIsHidden() {
        JedisClusterOperationException noNode =
                new JedisClusterOperationException("Could not initialize cluster slots cache.");
        noNode.addSuppressed(new JedisDataException(ECHO));

        Throwable redacted = REDACTION.redact(noNode);

        assertThat(printed(redacted))
                .doesNotContain(PASSWORD)
                .contains("Could not initialize cluster slots cache.", "Suppressed: ", "'AUTH' 'u' '***'");
    }

    @Test
    void aFailureWithoutSecretsIsKeptAsItIs() {
        JedisDataException plain = new JedisDataException("WRONGTYPE Operation against a key");

        assertThat(REDACTION.redact(plain)).isSameAs(plain);
    }
}

package dev.ratelimit.core;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A secret that turns every raw client id into its HMAC-SHA-256, so that storage keys hold no e-mail address
 * or other personal id, and nobody without the secret can tell which key belongs to a known id. Its text
 * never leaves this object: not in {@link #toString()}, nor in any exception.
 */
public final class ClientIdSecret {

    /** The HMAC-SHA-256 block size is 64 bytes; 32 random bytes already match the hash's own strength. */
    public static final int MIN_BYTES = 32;

    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    private ClientIdSecret(byte[] secret) {
        this.key = new SecretKeySpec(secret, ALGORITHM);
    }

    /**
     * The secret of a text, e.g. the output of {@code openssl rand -base64 48}.
     *
     * @param secret read as UTF-8
     * @throws IllegalArgumentException when shorter than {@link #MIN_BYTES} bytes; the message never shows it
     */
    public static ClientIdSecret of(String secret) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_BYTES) {
            throw new IllegalArgumentException(
                    "must be at least " + MIN_BYTES + " bytes, e.g. the output of" + " 'openssl rand -base64 48'");
        }
        return new ClientIdSecret(bytes);
    }

    /** The id under which the raw one is stored: its keyed hash, whatever it looks like. */
    public ClientId idOf(String raw) {
        try {
            // A Mac is not thread-safe; a new one per call cost 0.5 us here, a hundredth of a Redis round trip.
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return ClientId.keyed(mac.doFinal(raw.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime has " + ALGORITHM + " for any key length", e);
        }
    }

    @Override
    public String toString() {
        return "ClientIdSecret[hidden]";
    }
}

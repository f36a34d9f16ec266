package dev.ratelimit.redis;

import dev.ratelimit.redis.RedisSettings.InvalidSettingException;
import dev.ratelimit.redis.RedisSettings.Setting;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.UnrecoverableKeyException;
import java.util.Collections;
import java.util.Locale;
import redis.clients.jedis.SslOptions;

/**
 * A keystore file, read whole once here so that a wrong file, type or password is found before any
 * connection; Jedis reads it again for every new connection, which picks up a renewed file.
 */
@SuppressWarnings("ArrayRecordComponent") // never compared nor hashed; the password is never shown
record Truststore(Path file, char[] password, String type) {

    static Truststore load(Path file, char[] password, String type) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new InvalidSettingException("no readable file at " + file, Setting.TRUSTSTORE);
        }
        KeyStore store;
        try {
            store = type == null ? KeyStore.getInstance(file.toFile(), password) : KeyStore.getInstance(type);
        } catch (KeyStoreException e) {
            throw type == null
                    ? new InvalidSettingException(file + " is not a PKCS12 or JKS keystore", Setting.TRUSTSTORE)
                    : new InvalidSettingException("unknown keystore type '" + type + "'", Setting.TRUSTSTORE_TYPE);
        } catch (IOException | GeneralSecurityException e) {
            throw unreadable(file, e);
        }
        if (type != null) {
            try (InputStream in = Files.newInputStream(file)) {
                store.load(in, password);
            } catch (IOException | GeneralSecurityException e) {
                throw unreadable(file, e);
            }
        }
        if (!holdsTrustedCertificate(store)) {
            // A PKCS12 store made by keytool encrypts its certificates: without the password it looks empty.
            throw new InvalidSettingException(
                    file + " holds no trusted certificate"
                            + (password == null ? " that can be read without a password" : ""),
                    Setting.TRUSTSTORE);
        }
        return new Truststore(
                file,
                password == null ? null : password.clone(),
                store.getType().toUpperCase(Locale.ROOT));
    }

    private static InvalidSettingException unreadable(Path file, Exception e) {
        // KeyStore says a wrong password with an UnrecoverableKeyException inside an IOException.
        return e.getCause() instanceof UnrecoverableKeyException
                ? new InvalidSettingException("the password does not open " + file, Setting.TRUSTSTORE_PASSWORD)
                : new InvalidSettingException(
                        file + " cannot be read as a keystore: " + e.getMessage(), Setting.TRUSTSTORE);
    }

    private static boolean holdsTrustedCertificate(KeyStore store) {
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isCertificateEntry(alias)) {
                    return true;
                }
            }
            return false;
        } catch (KeyStoreException e) {
            throw new IllegalStateException("a loaded keystore answers for its entries", e);
        }
    }

    SslOptions sslOptions() {
        // Verifies the chain and the host name (SslVerifyMode.FULL, the builder's default).
        return SslOptions.builder()
                .truststore(file.toFile(), password)
                .trustStoreType(type)
                .build();
    }
}

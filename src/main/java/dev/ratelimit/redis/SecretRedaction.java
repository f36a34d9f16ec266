package dev.ratelimit.redis;

import java.util.Arrays;
import java.util.List;

/**
 * Hides the secrets of the settings in failures before they reach messages and logs. Redis echoes the
 * arguments of a command it does not know: a Redis without HELLO (before 6, renamed away, or a proxy) answers
 * Jedis' handshake with {@code unknown command 'HELLO', with args beginning with: '2' 'AUTH' 'user' '<password>'}.
 */
final class SecretRedaction {

    private static final String HIDDEN = "***";

    private final List<String> secrets;

    SecretRedaction(List<String> secrets) {
        this.secrets = secrets.stream().filter(secret -> !secret.isEmpty()).toList();
    }

    /**
     * The failure itself when no message in its chain (causes and suppressed failures, where Jedis' cluster
     * client keeps the failure of each node it tried) holds a secret, else a copy of the chain with each
     * secret hidden, keeping the class names, messages and stack traces.
     */
    Throwable redact(Throwable failure) {
        if (!mentionsSecret(failure)) {
            return failure;
        }
        Throwable cause = failure.getCause() == null ? null : redact(failure.getCause());
        Redacted copy = new Redacted(hide(failure.toString()), cause);
        copy.setStackTrace(failure.getStackTrace());
        for (Throwable suppressed : failure.getSuppressed()) {
            copy.addSuppressed(redact(suppressed));
        }
        return copy;
    }

    private boolean mentionsSecret(Throwable failure) {
        String text = failure.toString();
        return secrets.stream().anyMatch(text::contains)
                || (failure.getCause() != null && mentionsSecret(failure.getCause()))
                || Arrays.stream(failure.getSuppressed()).anyMatch(this::mentionsSecret);
    }

    private String hide(String text) {
        String hidden = text;
        for (String secret : secrets) {
            hidden = hidden.replace(secret, HIDDEN);
        }
        return hidden;
    }

    /** A failure shown as the original one, whose class name its text starts with. */
    private static final class Redacted extends RuntimeException {

        Redacted(String text, Throwable cause) {
            super(text, cause, true, true);
        }

        /** The original's {@code toString()}, class name first, is the message: shown as it would have been. */
        @Override
        @SuppressWarnings("OverrideThrowableToString")
        public String toString() {
            return getMessage();
        }
    }
}

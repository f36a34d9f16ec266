package dev.ratelimit.limiter;

/**
 * Where a policy reads the client id from.
 *
 * @param kind   the source
 * @param header the header's name when {@code kind} is {@link Kind#HEADER}, else null
 */
public record ClientKeySource(Kind kind, String header) {

    public enum Kind { HEADER, PRINCIPAL, REMOTE_ADDRESS }

    public static final ClientKeySource PRINCIPAL = new ClientKeySource(Kind.PRINCIPAL, null);
    public static final ClientKeySource REMOTE_ADDRESS = new ClientKeySource(Kind.REMOTE_ADDRESS, null);

    public static ClientKeySource header(String name) {
        return new ClientKeySource(Kind.HEADER, name);
    }

    public ClientKeySource {
        if ((kind == Kind.HEADER) != (header != null && !header.isBlank())) {
            throw new InvalidLimitException("key", "needs a header name exactly when it reads a header");
        }
    }

    /** How the source is written in config, e.g. {@code header:X-Client-Id}. */
    @Override
    public String toString() {
        return switch (kind) {
            case HEADER -> "header:" + header;
            case PRINCIPAL -> "principal";
            case REMOTE_ADDRESS -> "remote-address";
        };
    }
}

package dev.ratelimit.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The integration-test server's messages.log, read from a mark on: what the server logged meanwhile. */
final class ServerLog {

    private static final Path LOG = Path.of(System.getProperty("it.server.log"));

    private final long markedLength;

    private ServerLog(long markedLength) {
        this.markedLength = markedLength;
    }

    static ServerLog mark() throws IOException {
        return new ServerLog(Files.size(LOG));
    }

    /** The whole log, from the server's start. */
    static ServerLog fromStart() {
        return new ServerLog(0);
    }

    /** Lengths are bytes, so the cut is made before decoding: the log holds multi-byte characters. */
    String sinceMark() throws IOException {
        byte[] log = Files.readAllBytes(LOG);
        return new String(
                Arrays.copyOfRange(log, (int) Math.min(markedLength, log.length), log.length), StandardCharsets.UTF_8);
    }
}

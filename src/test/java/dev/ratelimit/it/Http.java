package dev.ratelimit.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** A small HTTP client for the integration tests; every call is bounded in time. */
final class Http {

    private static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String CLIENT_ID = "X-Client-Id";

    private Http() {}

    static HttpResponse<String> get(URL base, String path, String... headers) {
        return send(HttpRequest.newBuilder(resolve(base, path)).GET(), headers);
    }

    static HttpResponse<String> post(URL base, String path, String body, String... headers) {
        return send(
                HttpRequest.newBuilder(resolve(base, path))
                        .header("Content-Type", "text/plain")
                        .POST(HttpRequest.BodyPublishers.ofString(body)),
                headers);
    }

    /** The server's application metrics in Prometheus format. */
    static String applicationMetrics(URL base) {
        return get(base, "/metrics?scope=application").body();
    }

    /**
     * Sends a GET whose header lines are written to the socket byte for byte, past any client's checks, as a
     * hostile caller can; bounded in time.
     *
     * @param rawHeaderLines header lines, each ending in CRLF, which may hold bare CRs, LFs or folded lines
     * @return the response's status line and header lines, without the body
     */
    static List<String> rawGetHead(URL base, String path, String rawHeaderLines) {
        URI uri = resolve(base, path);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
            socket.setSoTimeout(30_000);
            String request = "GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\n" + rawHeaderLines + "Connection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            int headEnd = response.indexOf("\r\n\r\n");
            return List.of((headEnd < 0 ? response : response.substring(0, headEnd)).split("\r\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static URI resolve(URL base, String path) {
        return URI.create(base.toString()).resolve(path);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request, String... headers) {
        if (headers.length > 0) {
            request.headers(headers);
        }
        try {
            return CLIENT.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

package dev.ratelimit.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small HTTP client for the integration tests; every call is bounded in time. */
final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String CLIENT_ID = "X-Client-Id";

    private Http() {
    }

    static HttpResponse<String> get(URL base, String path, String... headers) {
        return send(HttpRequest.newBuilder(resolve(base, path)).GET(), headers);
    }

    static HttpResponse<String> post(URL base, String path, String body, String... headers) {
        return send(HttpRequest.newBuilder(resolve(base, path))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(body)), headers);
    }

    /** The server's application metrics in Prometheus format. */
    static String applicationMetrics(URL base) {
        return get(base, "/metrics?scope=application").body();
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

package dev.ratelimit.integration;

import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * The parts of an {@link HttpServletRequest} the limiter reads (headers, remote address, attributes), for
 * tests that run the interceptor without a servlet container. Anything else it is asked throws.
 */
final class FakeRequest {

    private final Map<String, String> headers = new HashMap<>();
    private final Map<String, Object> attributes = new HashMap<>();

    FakeRequest header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    Object attribute(String name) {
        return attributes.get(name);
    }

    /** Starts the next call afresh: no headers, no attributes. */
    void reset() {
        headers.clear();
        attributes.clear();
    }

    HttpServletRequest asServletRequest() {
        return (HttpServletRequest) Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {HttpServletRequest.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getHeader" -> headers.get((String) args[0]);
                    case "getHeaders" ->
                        Collections.enumeration(
                                headers.containsKey((String) args[0])
                                        ? java.util.List.of(headers.get((String) args[0]))
                                        : java.util.List.of());
                    case "getRemoteAddr" -> "127.0.0.1";
                    case "getUserPrincipal" -> null;
                    case "getAttribute" -> attributes.get((String) args[0]);
                    case "setAttribute" -> attributes.put((String) args[0], args[1]);
                    case "toString" -> "FakeRequest" + headers;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}

package dev.ratelimit.integration;

import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parts of an {@link HttpServletRequest} the limiter reads (headers, remote address, roles, attributes), for
 * tests that run the interceptor without a servlet container. Anything else it is asked throws.
 */
final class FakeRequest {

    private final Map<String, String> headers = new HashMap<>();
    private final Map<String, Object> attributes = new HashMap<>();
    private final Set<String> roles = new HashSet<>();
    private String remoteAddress = "127.0.0.1";

    FakeRequest header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /** The caller is in these roles, as an authenticated user would be. */
    FakeRequest roles(String... names) {
        roles.addAll(List.of(names));
        return this;
    }

    FakeRequest remoteAddress(String address) {
        remoteAddress = address;
        return this;
    }

    Object attribute(String name) {
        return attributes.get(name);
    }

    /** Starts the next call afresh: no headers, no roles, no attributes, from the loopback. */
    void reset() {
        headers.clear();
        attributes.clear();
        roles.clear();
        remoteAddress = "127.0.0.1";
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
                                        ? List.of(headers.get((String) args[0]))
                                        : List.of());
                    case "getRemoteAddr" -> remoteAddress;
                    case "isUserInRole" -> roles.contains((String) args[0]);
                    case "getUserPrincipal" -> null;
                    case "getAttribute" -> attributes.get((String) args[0]);
                    case "setAttribute" -> attributes.put((String) args[0], args[1]);
                    case "toString" -> "FakeRequest" + headers;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}

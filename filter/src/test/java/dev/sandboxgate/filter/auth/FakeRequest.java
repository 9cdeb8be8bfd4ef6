package dev.sandboxgate.filter.auth;

import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.security.Principal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Just enough of a request for an authenticator: headers, path, user and roles. */
final class FakeRequest {
    private final Map<String, String> headers = new LinkedHashMap<>();
    private String pathInfo = "/ws_1/v1/health";
    private Principal user;
    private Set<String> roles = Set.of();

    static FakeRequest bearer(String token) {
        return new FakeRequest().header("Authorization", "Bearer " + token);
    }

    FakeRequest header(String name, String value) {
        headers.put(name.toLowerCase(Locale.ROOT), value);
        return this;
    }

    FakeRequest path(String path) {
        this.pathInfo = path;
        return this;
    }

    FakeRequest user(String name, String... roleNames) {
        this.user = () -> name;
        this.roles = Set.of(roleNames);
        return this;
    }

    HttpServletRequest build() {
        return (HttpServletRequest) Proxy.newProxyInstance(HttpServletRequest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getHeader" -> headers.get(((String) args[0]).toLowerCase(Locale.ROOT));
                    case "getHeaders" -> {
                        String value = headers.get(((String) args[0]).toLowerCase(Locale.ROOT));
                        yield Collections.enumeration(value == null ? Set.of() : Set.of(value));
                    }
                    case "getHeaderNames" -> Collections.enumeration(headers.keySet());
                    case "getPathInfo" -> pathInfo;
                    case "getMethod" -> "GET";
                    case "getUserPrincipal" -> user;
                    case "isUserInRole" -> user != null && roles.contains((String) args[0]);
                    case "toString" -> "FakeRequest" + headers.keySet();
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> null;
                });
    }
}

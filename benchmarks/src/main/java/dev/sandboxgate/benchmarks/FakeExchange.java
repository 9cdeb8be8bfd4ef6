package dev.sandboxgate.benchmarks;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Just enough of a servlet container for driving {@code SandboxAuthFilter.doFilter} in-process: a GET with the app
 * token, a response that takes headers and a status, and a filter config over a map. Every other call answers its
 * type's default.
 */
final class FakeExchange {
    private FakeExchange() {
    }

    /** A GET of {@code path} with {@code token}; reusable after {@link #reset}, so requests cost no proxy each. */
    static HttpServletRequest get(String path, String token) {
        Map<String, Object> attributes = new HashMap<>();
        Map<String, String> headers = Map.of("authorization", "Bearer " + token, "user-agent", "benchmark/1.0");
        return (HttpServletRequest) Proxy.newProxyInstance(HttpServletRequest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getMethod" -> "GET";
                    case "getRequestURI" -> "/sandbox" + path;
                    case "getContextPath" -> "";
                    case "getServletPath" -> "/sandbox";
                    case "getPathInfo" -> path;
                    case "getRemoteAddr" -> "127.0.0.1";
                    case "getHeader" -> headers.get(((String) args[0]).toLowerCase(java.util.Locale.ROOT));
                    case "getHeaders" -> {
                        String value = headers.get(((String) args[0]).toLowerCase(java.util.Locale.ROOT));
                        yield Collections.enumeration(value == null ? java.util.List.of() : java.util.List.of(value));
                    }
                    case "getHeaderNames" -> Collections.enumeration(headers.keySet());
                    case "getAttribute" -> attributes.get((String) args[0]);
                    case "setAttribute" -> attributes.put((String) args[0], args[1]);
                    case "logout" -> {
                        attributes.clear(); // FakeExchange.reset: the next request starts without attributes
                        yield null;
                    }
                    case "removeAttribute" -> attributes.remove((String) args[0]);
                    case "getAttributeNames" -> Collections.enumeration(attributes.keySet());
                    case "getParameterMap" -> Map.of();
                    case "getDispatcherType" -> jakarta.servlet.DispatcherType.REQUEST;
                    default -> defaultOf(method.getReturnType());
                });
    }

    /** Makes a reused request from {@link #get} fresh again. */
    static void reset(HttpServletRequest request) throws jakarta.servlet.ServletException {
        request.logout();
    }

    static HttpServletResponse response() {
        int[] status = {200};
        return (HttpServletResponse) Proxy.newProxyInstance(HttpServletResponse.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "setStatus" -> {
                        status[0] = (Integer) args[0];
                        yield null;
                    }
                    case "getStatus" -> status[0];
                    default -> defaultOf(method.getReturnType());
                });
    }

    static FilterConfig config(Map<String, String> params) {
        ServletContext context = (ServletContext) Proxy.newProxyInstance(ServletContext.class.getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, method, args) -> defaultOf(method.getReturnType()));
        return new InMemoryFilterConfig(params, context);
    }

    private static Object defaultOf(Class<?> type) {
        if (!type.isPrimitive() || type == void.class) {
            return null;
        }
        if (type == boolean.class) {
            return false;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == char.class) {
            return '\0';
        }
        return type == int.class ? 0 : type == double.class ? 0.0 : type == float.class ? 0f : (Object) 0;
    }
}

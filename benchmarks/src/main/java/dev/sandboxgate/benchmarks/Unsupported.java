package dev.sandboxgate.benchmarks;

import jakarta.servlet.ServletContext;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The base of the in-memory request and response: every method they do not override fails, naming itself, so a
 * benchmark can never measure a silently stubbed call (the benchmarks' set-up runs each request once and would fail).
 */
final class Unsupported {
    private Unsupported() {
    }

    /** A servlet context that holds attributes (what a filter's init keeps in it) and nothing else. */
    static ServletContext contextWithAttributes() {
        Map<String, Object> attributes = new ConcurrentHashMap<>();
        ServletContext unsupported = of(ServletContext.class);
        return (ServletContext) Proxy.newProxyInstance(ServletContext.class.getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getAttribute" -> attributes.get((String) args[0]);
                    case "setAttribute" -> attributes.put((String) args[0], args[1]);
                    case "removeAttribute" -> attributes.remove((String) args[0]);
                    default -> method.invoke(unsupported, args);
                });
    }

    static <T> T of(Class<T> type) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    throw new UnsupportedOperationException(type.getSimpleName() + "." + method.getName()
                            + " is not part of the in-memory " + type.getSimpleName());
                }));
    }
}

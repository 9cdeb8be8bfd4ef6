package dev.sandboxgate.benchmarks;

import java.lang.reflect.Proxy;

/**
 * The base of the in-memory request and response: every method they do not override fails, naming itself, so a
 * benchmark can never measure a silently stubbed call (the benchmarks' set-up runs each request once and would fail).
 */
final class Unsupported {
    private Unsupported() {
    }

    static <T> T of(Class<T> type) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    throw new UnsupportedOperationException(type.getSimpleName() + "." + method.getName()
                            + " is not part of the in-memory " + type.getSimpleName());
                }));
    }
}

package dev.sandboxgate.filter.jdbc;

import java.lang.reflect.Proxy;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.spi.InitialContextFactory;

/**
 * A container's JNDI cannot run in unit tests, so this minimal naming context stands in for it, installed through the
 * standard {@code java.naming.factory.initial} property: {@code lookup} serves the entries a test bound (as a
 * container's {@code <resource-ref>} would) and refuses every other name; the other methods do nothing.
 * Use: {@code try (var naming = StandInNaming.install(Map.of(name, dataSource))) {...}}, or install and close
 * around each test.
 */
public final class StandInNaming implements InitialContextFactory, AutoCloseable {
    private static final Map<String, Object> BOUND = new ConcurrentHashMap<>();

    /** Used by {@code InitialContext} through the property; tests call {@link #install}. */
    public StandInNaming() {
    }

    /** Serves {@code entries} (name to object) to every new {@code InitialContext} until closed. */
    public static StandInNaming install(Map<String, ?> entries) {
        BOUND.clear();
        BOUND.putAll(entries);
        System.setProperty(Context.INITIAL_CONTEXT_FACTORY, StandInNaming.class.getName());
        return new StandInNaming();
    }

    @Override
    public Context getInitialContext(Hashtable<?, ?> environment) {
        return (Context) Proxy.newProxyInstance(Context.class.getClassLoader(), new Class<?>[] {Context.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("lookup")) {
                        return null;
                    }
                    Object bound = BOUND.get(String.valueOf(args[0]));
                    if (bound == null) {
                        throw new NameNotFoundException(String.valueOf(args[0]));
                    }
                    return bound;
                });
    }

    /** Uninstalls: a new {@code InitialContext} has no naming service again. */
    @Override
    public void close() {
        System.clearProperty(Context.INITIAL_CONTEXT_FACTORY);
        BOUND.clear();
    }
}

package dev.sandboxgate.sample;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Something a test class starts once before its tests and closes after them (a {@link SandboxAgentServer}, a
 * {@link GatewayProcess}...): a static field with {@code @RegisterExtension}, read with {@link #get()}.
 *
 * <p>It is started before the class's {@code @BeforeAll} methods (which may build on it) and closed after its
 * {@code @AfterAll} methods (which may still inspect it, e.g. a process's output). When one depends on another, give
 * both an {@code @Order}: JUnit starts them in that order and closes them in the reverse one.
 */
final class PerClass<T extends AutoCloseable> implements BeforeAllCallback, AfterAllCallback {
    /** Starts the resource; may throw whatever starting it throws. */
    @FunctionalInterface
    interface Starter<T> {
        T start() throws Exception;
    }

    private final Starter<T> starter;
    private T started;

    private PerClass(Starter<T> starter) {
        this.starter = starter;
    }

    static <T extends AutoCloseable> PerClass<T> start(Starter<T> starter) {
        return new PerClass<>(starter);
    }

    /** The started resource; fails when read before it started (e.g. from one with a lower {@code @Order}). */
    T get() {
        if (started == null) {
            throw new IllegalStateException("not started yet: a resource that needs another one needs a higher @Order");
        }
        return started;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        started = starter.start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        T closing = started;
        started = null;
        if (closing != null) {
            closing.close();
        }
    }
}

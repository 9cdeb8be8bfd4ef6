package dev.sandboxgate.containers;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Names each server and its version beside every check in the build's output, with how long the server took to
 * start and stop and the running total, so the matrix's cost is visible in every CI log.
 */
final class MatrixReport implements TestWatcher {
    private static final long MATRIX_START = System.nanoTime();

    static void started(String server, long nanos) {
        print("%-22s deployed and answering in %.1f s", server, seconds(nanos));
    }

    static void stopped(String server, long nanos) {
        print("%-22s stopped in %.1f s; matrix so far %.1f s", server, seconds(nanos),
                seconds(System.nanoTime() - MATRIX_START));
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        print("%-22s passed %s", server(context), context.getDisplayName());
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        print("%-22s FAILED %s: %s", server(context), context.getDisplayName(), cause);
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        print("%-22s ABORTED %s: %s", server(context), context.getDisplayName(), cause);
    }

    /** The parameterized class invocation's display name: the server and its version. */
    private static String server(ExtensionContext context) {
        return context.getParent().map(ExtensionContext::getDisplayName).orElse("?");
    }

    private static double seconds(long nanos) {
        return nanos / (double) TimeUnit.SECONDS.toNanos(1);
    }

    private static void print(String format, Object... args) {
        System.out.println("[container-matrix] " + String.format(Locale.ROOT, format, args));
    }
}

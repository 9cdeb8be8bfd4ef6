package dev.sandboxgate.filter.health;

import jakarta.servlet.ServletContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The readiness checks of one deployment, kept as a servlet-context attribute that the health endpoint reads. */
public final class ReadinessChecks {
    /** The servlet-context attribute holding them. */
    public static final String ATTRIBUTE = "dev.sandboxgate.readiness";

    private final List<ReadinessCheck> checks = new CopyOnWriteArrayList<>();

    private ReadinessChecks() {
    }

    /** The checks of {@code context}'s deployment, created on first use. */
    public static ReadinessChecks of(ServletContext context) {
        synchronized (ReadinessChecks.class) {
            if (context.getAttribute(ATTRIBUTE) instanceof ReadinessChecks checks) {
                return checks;
            }
            ReadinessChecks checks = new ReadinessChecks();
            context.setAttribute(ATTRIBUTE, checks);
            return checks;
        }
    }

    /** Adds {@code check}, replacing one of the same name (a component that is re-initialised registers again). */
    public void register(ReadinessCheck check) {
        checks.removeIf(existing -> existing.name().equals(check.name()));
        checks.add(check);
    }

    public List<ReadinessCheck> all() {
        return List.copyOf(checks);
    }
}

package dev.sandboxgate.filter.health;

/**
 * One thing the gateway needs in order to serve: its configuration, a sandbox, the audit sink, the rate-limit
 * backend. The health endpoint ({@code /sandbox-gate/health}) runs every registered check, in parallel, bounds each by
 * its timeout (a check that does not answer in time counts as down) and caches the verdict for a few seconds, so a
 * check may block briefly but should bound its own I/O too.
 *
 * <p>A {@link dev.sandboxgate.filter.Stage} or {@link dev.sandboxgate.filter.GateListener} that implements this
 * interface is registered by the filter at start-up; anything else registers with {@link ReadinessChecks#of}.
 */
public interface ReadinessCheck {

    /** A short, stable name: shown in the health answer, so never a URL, a host or a secret. */
    String name();

    /** Whether the dependency can serve now. */
    Result check();

    /**
     * @param up     whether it can serve
     * @param detail a short reason when it cannot (shown to whoever may read the health endpoint: no secrets, no
     *               URLs, no exception messages), or null
     */
    record Result(boolean up, String detail) {
        public static Result ready() {
            return new Result(true, null);
        }

        public static Result down(String detail) {
            return new Result(false, detail);
        }
    }
}

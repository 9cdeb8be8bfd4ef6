package dev.sandboxgate.filter.authz;

import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.Stage;
import dev.sandboxgate.filter.jdbc.Database;
import java.lang.System.Logger.Level;
import java.time.Clock;

/**
 * The authorization stage of {@code SandboxAuthFilter}, configured from the filter's init-params:
 * <ul>
 *   <li>{@code authorization}: {@code enforce} (default) or {@code off}. {@code off} forwards every authenticated
 *       request to any route with any path; it exists only to test the proxy on its own, and is logged as a warning.
 *   <li>{@code route-policy}: overrides of the least role per operation, e.g. {@code fs.delete=member,desktop.*=none}
 *       (see {@link RolePolicy} and {@link Operation} for the defaults).
 *   <li>{@code fs-root}: the directory filesystem requests (and an ACP {@code cwd}) must stay in,
 *       {@code /workspace} by default; may name {@code {workspaceId}}, e.g. {@code /workspaces/{workspaceId}}.
 *   <li>{@code session-visibility}: {@code owner} (default: only the member who started an ACP server, and the
 *       workspace's owners, may send to or delete it; everyone in the workspace may stream it) or {@code workspace}.
 *   <li>{@code session-registry}: where ACP server bindings are kept: {@code memory} (default), {@code jdbc} (a table,
 *       shared by a cluster: {@code session-registry-datasource} or {@code session-registry-jdbc-url}, see
 *       {@link dev.sandboxgate.filter.jdbc.Database}), or the class name of a {@link SessionRegistry}.
 *   <li>{@code session-registry-size}: how many ACP server bindings are kept in memory, or cached with {@code jdbc}
 *       (100000).
 *   <li>{@code acp-max-body}: the largest ACP message the gateway reads to classify (2MiB, the sandbox's own limit).
 *   <li>{@code archive-max-entries} (10000), {@code archive-max-size} (64MiB of file data) and {@code archive-links}
 *       ({@code refuse}, or {@code inside-root}): what an {@code upload-batch} archive may hold ({@link TarInspector}).
 * </ul>
 */
public final class Authorization {
    private static final System.Logger LOG = System.getLogger(Authorization.class.getName());

    public static final String PARAM = "authorization";
    /** The request attribute naming the {@link Operation} of a request that passed (its id, e.g. {@code fs.read}). */
    public static final String OPERATION_ATTRIBUTE = "dev.sandboxgate.operation";
    /**
     * The request attribute holding the body the stage had to read (a byte array), when it read one: the proxy
     * forwards exactly these bytes instead of the (consumed) request stream.
     */
    public static final String BODY_ATTRIBUTE = "dev.sandboxgate.inspectedBody";
    /**
     * The request attribute holding a {@link RequestBodyInspector} for a body the stage could not read first (an
     * upload's archive): the proxy shows it the body as it relays it and aborts the upstream request on a refusal.
     */
    public static final String BODY_INSPECTOR_ATTRIBUTE = "dev.sandboxgate.bodyInspector";
    /**
     * A {@code UnaryOperator<byte[]>} the proxy applies to the whole body of a successful response before the client
     * sees it, when the caller may see only part of it ({@code GET /v1/acp} lists every caller's servers). The proxy
     * buffers such a response; the operator returns null for a body it cannot read, which the proxy refuses to pass.
     */
    public static final String RESPONSE_FILTER_ATTRIBUTE = "dev.sandboxgate.responseFilter";

    static final String REGISTRY_PARAM = "session-registry";
    static final String REGISTRY_SIZE_PARAM = "session-registry-size";
    static final String ARCHIVE_MAX_ENTRIES_PARAM = "archive-max-entries";
    static final String ARCHIVE_MAX_SIZE_PARAM = "archive-max-size";
    static final String ARCHIVE_LINKS_PARAM = "archive-links";

    private Authorization() {
    }

    private static AcpGuard.Visibility visibility(Settings settings) {
        String value = settings.optional(AcpGuard.VISIBILITY_PARAM).orElse("owner");
        return switch (value) {
            case "owner" -> AcpGuard.Visibility.OWNER;
            case "workspace" -> AcpGuard.Visibility.WORKSPACE;
            default -> throw settings.invalid(AcpGuard.VISIBILITY_PARAM, value, "'owner' or 'workspace'");
        };
    }

    private static SessionRegistry registry(Settings settings) {
        String name = settings.optional(REGISTRY_PARAM).orElse("memory");
        int size = settings.positiveInt(REGISTRY_SIZE_PARAM, 100_000);
        return switch (name) {
            case "memory" -> new InMemorySessionRegistry(size);
            case "jdbc" -> new JdbcSessionRegistry(Database.from(settings, REGISTRY_PARAM), size, Clock.systemUTC());
            default -> {
                if (!name.contains(".")) {
                    throw settings.invalid(REGISTRY_PARAM, name, "'memory', 'jdbc' or the class name of a "
                            + "SessionRegistry");
                }
                yield settings.newInstance(REGISTRY_PARAM, name, SessionRegistry.class);
            }
        };
    }

    private static TarInspector.Limits archiveLimits(Settings settings) {
        String links = settings.optional(ARCHIVE_LINKS_PARAM).orElse("refuse");
        if (!links.equals("refuse") && !links.equals("inside-root")) {
            throw settings.invalid(ARCHIVE_LINKS_PARAM, links, "'refuse' or 'inside-root'");
        }
        return new TarInspector.Limits(settings.positiveInt(ARCHIVE_MAX_ENTRIES_PARAM, 10_000),
                settings.size(ARCHIVE_MAX_SIZE_PARAM, 64L << 20), links.equals("inside-root"));
    }

    /**
     * The stage {@code settings} configure, or null when {@code authorization=off}. The stage is
     * {@link AutoCloseable} when its session registry holds resources (a database pool): close it with the filter.
     */
    public static Stage stage(Settings settings) {
        String mode = settings.optional(PARAM).orElse("enforce");
        RolePolicy policy = RolePolicy.from(settings);
        FsRoot root = FsRoot.from(settings);
        AcpGuard.Visibility visibility = visibility(settings);
        long maxBody = settings.size(AcpGuard.MAX_BODY_PARAM, 2L << 20);
        switch (mode) {
            case "enforce": {
                SessionRegistry registry = registry(settings);
                AcpGuard acp = new AcpGuard(registry, visibility, maxBody, policy, root);
                Stage stage = new AuthorizationStage(RouteTable.sandboxAgent(), policy, root, acp,
                        archiveLimits(settings));
                return registry instanceof AutoCloseable resources ? new ClosingStage(stage, resources) : stage;
            }
            case "off":
                LOG.log(Level.WARNING, "{0}: init-param ''authorization'' is off: every authenticated caller may use "
                        + "every route of the sandbox", settings.owner());
                return null;
            default:
                throw settings.invalid(PARAM, mode, "'enforce' or 'off'");
        }
    }
}

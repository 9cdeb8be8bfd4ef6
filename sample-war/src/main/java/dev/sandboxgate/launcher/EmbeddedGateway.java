package dev.sandboxgate.launcher;

import dev.sandboxgate.filter.Drain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.util.ClassMatcher;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Serves the sample WAR on embedded Jetty 12 (ee10) at the root context, so the SDK's {@code baseUrl} is
 * {@code http://HOST:PORT/sandbox/{workspaceId}}. With no {@code SANDBOX_URL} it first starts a local Sandbox Agent
 * server with the mock agent, and stops it on exit. See {@link LauncherSettings} for the settings.
 */
final class EmbeddedGateway {
    /** Container threads: streams do not hold one, so this bounds concurrent request handling, not open streams. */
    static final int MAX_THREADS = 200;

    private EmbeddedGateway() {
    }

    /** Called by {@link Launcher} once Jetty is on the class path. */
    public static void run(Path launcherDir) throws Exception {
        LauncherSettings settings;
        try {
            settings = LauncherSettings.read(LauncherSettings::fromSystem, launcherDir);
            if (!Files.isRegularFile(settings.war())) {
                throw new IllegalArgumentException("the WAR " + settings.war() + " does not exist; build it with "
                        + "'./mvnw package' or point -Dsandboxgate.war at it");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("sandbox-gate: " + e.getMessage());
            System.exit(2);
            return;
        }

        LocalSandbox localSandbox = null;
        String sandboxUrl = settings.sandboxUrl();
        if (settings.startsLocalSandbox()) {
            localSandbox = LocalSandbox.start(settings.sandboxToken(), launcherDir);
            sandboxUrl = localSandbox.url();
        }
        // The WAR's web.xml reads these through ${sys:...} placeholders.
        System.setProperty("SANDBOX_URL", sandboxUrl);
        System.setProperty("SANDBOX_TOKEN", settings.sandboxToken());
        if (settings.appApiToken() != null) {
            System.setProperty("APP_API_TOKEN", settings.appApiToken());
        }
        String demoCwd = null;
        if (localSandbox != null) {
            // The gateway confines files and agent sessions to fs-root; the demo's root is a directory of its own.
            demoCwd = LauncherSettings.fromSystem("SANDBOX_FS_ROOT");
            if (demoCwd == null) {
                demoCwd = localSandbox.workspace().toString();
                System.setProperty("SANDBOX_FS_ROOT", demoCwd);
            }
        }
        DemoJwt demoJwt = null;
        if (localSandbox != null && DemoJwt.wanted(LauncherSettings::fromSystem)) {
            demoJwt = DemoJwt.mint(java.time.Instant.now());
            System.setProperty("JWT_HS256_SECRET", demoJwt.secret());
        }

        AuditOutput.configure(java.nio.file.Paths.get(""));
        Server server = newServer(settings);
        LocalSandbox sandboxToStop = localSandbox;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server, sandboxToStop), "sandbox-gate-shutdown"));
        try {
            server.start();
        } catch (Exception e) {
            System.err.println("sandbox-gate: the gateway did not start: " + e.getMessage());
            stop(server, sandboxToStop);
            System.exit(1);
            return;
        }
        printBanner(settings, ((ServerConnector) server.getConnectors()[0]).getLocalPort(), demoCwd, demoJwt);
        server.join();
    }

    static Server newServer(LauncherSettings settings) {
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 8);
        threads.setName("sandbox-gate-http");
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        server.addConnector(connector);

        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setWar(settings.war().toString());
        // The WAR carries slf4j-api for other containers. Here its copy would find the launcher's Jetty logging
        // provider on the class path, fail to load it (Jetty hides its classes from webapps) and drop every log of
        // the WAR's libraries (HikariCP, Lettuce). Sharing the launcher's slf4j-api sends them to Jetty's logging.
        webapp.addProtectedClassMatcher(new ClassMatcher("org.slf4j."));
        // A gateway whose configuration is invalid must not start at all (fail closed).
        webapp.setThrowUnavailableOnStartupException(true);
        webapp.setErrorHandler(ContainerErrors.forWebapp());
        server.setErrorHandler(ContainerErrors.forServer());
        server.setHandler(webapp);
        server.setStopTimeout(5_000);
        return server;
    }

    /**
     * On SIGTERM or Ctrl-C (the shutdown hook) and after a failed start. First the gateway drains while the WAR is
     * still deployed and the connector open, so that new requests get its 503 with {@code Retry-After} (a stopping
     * context would answer 404), event streams end cleanly and requests under way get {@code shutdown-grace}. Then
     * the WAR is undeployed (its stages' queues written out, the HTTP client released), then the server closes its
     * connections, and the local sandbox stops last. A plain {@code server.stop()} with {@code setStopAtShutdown}
     * would close the connector before the WAR's destroy runs.
     */
    private static void stop(Server server, LocalSandbox sandbox) {
        try {
            if (server.getHandler() instanceof WebAppContext webapp) {
                drain(webapp);
                webapp.stop();
            }
            server.stop();
        } catch (Exception e) {
            System.err.println("sandbox-gate: error while stopping: " + e.getClass().getSimpleName());
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }

    /** Drains the gateway in the WAR, whose classes the launcher's loader does not share: by reflection. */
    private static void drain(WebAppContext webapp) {
        Object drain = webapp.getServletContext().getAttribute(Drain.ATTRIBUTE);
        if (drain == null) {
            return; // the WAR never started
        }
        try {
            drain.getClass().getMethod("drain").invoke(drain);
        } catch (ReflectiveOperationException e) {
            System.err.println("sandbox-gate: could not drain: " + e.getClass().getSimpleName());
        }
    }

    /** @param demoCwd the demo workspace's directory when the launcher started a local sandbox, else null */
    private static void printBanner(LauncherSettings settings, int port, String demoCwd, DemoJwt demoJwt) {
        boolean localSandbox = demoCwd != null;
        String base = "http://" + settings.host() + ":" + port + "/sandbox/demo";
        // An operator's own token is never printed; only a demo token generated just now is.
        String token = settings.appApiToken() == null ? "<your token>"
                : settings.appTokenGiven() ? "$APP_API_TOKEN" : settings.appApiToken();
        String upstream = localSandbox ? "a local Sandbox Agent with the mock agent (id \"mock\")" : "SANDBOX_URL";
        System.out.println();
        System.out.println("Sandbox Gate is listening; it forwards to " + upstream + ".");
        System.out.println("SDK baseUrl: http://" + settings.host() + ":" + port + "/sandbox/{workspaceId}");
        System.out.println();
        System.out.println("Try it:");
        System.out.println("  curl -sS -H \"Authorization: Bearer " + token + "\" " + base + "/v1/health");
        if (demoJwt != null) {
            System.out.println();
            System.out.println("As a user with a JWT (" + DemoJwt.SUBJECT + ", owner of workspace \""
                    + DemoJwt.WORKSPACE + "\"; expires " + demoJwt.expiresAt().truncatedTo(ChronoUnit.SECONDS) + "):");
            System.out.println("  curl -sS -H \"Authorization: Bearer " + demoJwt.token() + "\" " + base
                    + "/v1/health");
        }
        System.out.println();
        System.out.println("Or with the TypeScript SDK (npm i sandbox-agent@0.4.2):");
        System.out.println("  import { SandboxAgent } from \"sandbox-agent\";");
        System.out.println("  const sdk = await SandboxAgent.connect({ baseUrl: \"" + base + "\", token: \""
                + token + "\" });");
        if (localSandbox) {
            System.out.println("  const session = await sdk.createSession({ agent: \"mock\", cwd: \"" + demoCwd + "\" });");
            System.out.println("  session.onEvent((event) => console.log(event));");
            System.out.println("  await session.prompt([{ type: \"text\", text: \"hello\" }]);");
        }
        System.out.println();
        System.out.flush();
    }
}

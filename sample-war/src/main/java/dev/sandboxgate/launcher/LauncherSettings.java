package dev.sandboxgate.launcher;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.function.UnaryOperator;

/**
 * The launcher's settings, each from a system property or else the environment variable of the same name.
 *
 * @param host          address to listen on ({@code HOST}, default 127.0.0.1)
 * @param port          port to listen on ({@code PORT}, default 8080)
 * @param sandboxUrl    the Sandbox Agent server ({@code SANDBOX_URL}); null: start a local one
 * @param sandboxToken  its token ({@code SANDBOX_TOKEN}); generated for a local one
 * @param appApiToken   the callers' token ({@code APP_API_TOKEN}); generated (and printed) for a local demo only,
 *                      else null when not set (then JWTs or API keys authenticate callers)
 * @param appTokenGiven whether the operator supplied the app token (then it is never printed)
 * @param war           the WAR to serve ({@code sandboxgate.war}, default: {@code sandbox-gate.war} beside the jar)
 */
record LauncherSettings(String host, int port, String sandboxUrl, String sandboxToken, String appApiToken,
                        boolean appTokenGiven, Path war) {

    static LauncherSettings read(UnaryOperator<String> lookup, Path launcherDir) {
        String sandboxUrl = lookup.apply("SANDBOX_URL");
        String sandboxToken = lookup.apply("SANDBOX_TOKEN");
        String appToken = lookup.apply("APP_API_TOKEN");
        if (sandboxUrl != null && sandboxToken == null) {
            throw new IllegalArgumentException("SANDBOX_URL is set, so SANDBOX_TOKEN must be set too");
        }
        String war = lookup.apply("sandboxgate.war");
        return new LauncherSettings(
                orDefault(lookup.apply("HOST"), "127.0.0.1"),
                port(orDefault(lookup.apply("PORT"), "8080")),
                sandboxUrl,
                sandboxToken != null ? sandboxToken : randomToken(),
                appToken != null ? appToken : sandboxUrl == null ? randomToken() : null,
                appToken != null,
                war != null ? Paths.get(war) : launcherDir.resolve("sandbox-gate.war"));
    }

    /** System property first, then environment; blank counts as unset. */
    static String fromSystem(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            value = System.getenv(name);
        }
        return value == null || value.isBlank() ? null : value.trim();
    }

    boolean startsLocalSandbox() {
        return sandboxUrl == null;
    }

    private static int port(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("PORT must be a number from 0 to 65535, not '" + value + "'");
    }

    private static String orDefault(String value, String fallback) {
        return value != null ? value : fallback;
    }

    /** 192 random bits in hex: safe on a command line, in a header and in a shell snippet. */
    private static String randomToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public String toString() {
        return "LauncherSettings[host=" + host + ", port=" + port + ", sandboxUrl=" + sandboxUrl + ", war=" + war + "]";
    }
}

package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.Settings;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The proxy's configuration, read once from the servlet's init-params. The defaults suit Sandbox Agent traffic: ACP
 * POSTs that stay silent for up to 120 s, SSE streams that live for hours with a heartbeat every 15 s, and an upstream
 * that resets uploads over 2 MiB.
 *
 * @param sandboxUrl        base URL of the Sandbox Agent server; {@code {mount}/{workspace}/{rest}} goes to
 *                          {@code {sandboxUrl}/{rest}} (null when a {@code sandbox-directory} other than
 *                          {@code single} maps workspaces to sandboxes)
 * @param sandboxToken      the sandbox's bearer token; never logged or returned (null like {@code sandboxUrl})
 * @param connectTimeout    to open a connection to the sandbox (then 502)
 * @param responseTimeout   from sending the request to the sandbox's response headers (then 504)
 * @param acpDeleteTimeout  the same for {@code DELETE /v1/acp/{id}}, which Sandbox Agent answers only once the
 *                          caller goes away: no container can see a caller leave before a byte was written back,
 *                          so this bound is what ends the agent process when the caller gave up (the SDK waits 2 s)
 * @param idleTimeout       longest silence, in either direction, of a response body that is being relayed
 * @param asyncTimeout      the container's total limit per request; zero means none (streams live for hours)
 * @param maxRequestBody    larger request bodies are refused with 413 and never relayed
 * @param streamBuffer      per SSE stream, how much the gateway holds for a slow client before it ends that
 *                          client's stream (the upstream is never stalled; the client resumes with Last-Event-ID)
 * @param credentialHeaders request headers (lower case) that carry callers' credentials and are never forwarded
 * @param webSocketIdleTimeout longest time a relayed WebSocket may pass without a message either way (zero: none)
 * @param webSocketMaxMessage  largest message relayed whole from the sandbox to the caller (then 1009)
 */
record ProxySettings(URI sandboxUrl, String sandboxToken, Duration connectTimeout, Duration responseTimeout,
                     Duration acpDeleteTimeout, Duration idleTimeout, Duration asyncTimeout, long maxRequestBody, long streamBuffer,
                     Set<String> credentialHeaders, Duration webSocketIdleTimeout, long webSocketMaxMessage) {

    static final Set<String> ALWAYS_CREDENTIAL_HEADERS = Set.of("authorization", "cookie", "proxy-authorization");

    static ProxySettings from(Settings settings) {
        boolean single = SandboxDirectories.isSingle(settings);
        return new ProxySettings(
                single ? settings.httpUrl("sandbox-url") : settings.optionalHttpUrl("sandbox-url").orElse(null),
                single ? settings.required("sandbox-token") : settings.optional("sandbox-token").orElse(null),
                settings.duration("connect-timeout", Duration.ofSeconds(10)),
                settings.duration("response-timeout", Duration.ofMinutes(5)),
                settings.duration("acp-delete-timeout", Duration.ofSeconds(5)),
                settings.duration("idle-timeout", Duration.ofMinutes(5)),
                settings.duration("async-timeout", Duration.ZERO),
                settings.size("max-request-body", 2L << 20),
                settings.size("stream-buffer", 1L << 20),
                credentialHeaders(settings.optional("credential-headers").orElse("")),
                settings.duration("websocket-idle-timeout", Duration.ofMinutes(30)),
                settings.size("websocket-max-message", 1L << 20));
    }

    private static Set<String> credentialHeaders(String configured) {
        return java.util.stream.Stream.concat(ALWAYS_CREDENTIAL_HEADERS.stream(),
                        Arrays.stream(configured.split(",")).map(String::trim).filter(s -> !s.isEmpty()))
                .map(s -> s.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public String toString() {
        // Records print every component; this one must never print the token.
        return "ProxySettings[sandboxUrl=" + sandboxUrl + ", connectTimeout=" + connectTimeout
                + ", responseTimeout=" + responseTimeout + ", acpDeleteTimeout=" + acpDeleteTimeout + ", idleTimeout=" + idleTimeout
                + ", maxRequestBody=" + maxRequestBody + ", streamBuffer=" + streamBuffer
                + ", webSocketIdleTimeout=" + webSocketIdleTimeout + ", webSocketMaxMessage=" + webSocketMaxMessage + "]";
    }
}

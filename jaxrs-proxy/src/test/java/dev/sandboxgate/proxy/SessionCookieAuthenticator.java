package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.Authentication;
import dev.sandboxgate.filter.Authenticator;
import dev.sandboxgate.filter.SandboxPrincipal;
import dev.sandboxgate.filter.WorkspaceRole;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;

/**
 * Test-only stand-in for the container's login, an ambient credential the browser adds by itself: the cookie
 * {@code test-session=1} makes the caller {@code cookie-user}, owner of {@code ws_1}, with the container
 * authenticator's auth method ({@code container}), without a realm to set up.
 */
public final class SessionCookieAuthenticator implements Authenticator {
    public static final String COOKIE = "test-session=1";

    @Override
    public Authentication authenticate(HttpServletRequest request) {
        String cookie = request.getHeader("Cookie");
        if (cookie == null || !cookie.contains(COOKIE)) {
            return Authentication.NOT_RECOGNISED;
        }
        return new Authentication.Authenticated(new SandboxPrincipal("cookie-user", "container",
                Map.of("ws_1", WorkspaceRole.OWNER), null));
    }
}

package dev.sandboxgate.filter;

import jakarta.servlet.http.HttpServletRequest;

/**
 * One way of proving who the caller is. The filter asks its authenticators in their configured order; the first
 * that recognises the credential decides, so a recognised but invalid credential is refused, never passed on to the
 * next authenticator.
 */
public interface Authenticator {

    /** Never throws for a bad credential: a bad credential is a {@link Authentication.Rejected}. */
    Authentication authenticate(HttpServletRequest request);
}

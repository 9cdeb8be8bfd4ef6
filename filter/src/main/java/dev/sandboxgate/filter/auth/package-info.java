/**
 * The authenticators of {@code SandboxAuthFilter}: JWT bearer tokens (shared secret, PEM keys or a JWKS URL), API keys
 * from a file of hashes, the container's own login, and the application's static token. Everything here is
 * package-private except {@link dev.sandboxgate.filter.auth.Authenticators}, which builds the configured ones from
 * init-params; callers see them only as {@link dev.sandboxgate.filter.Authenticator}s.
 */
package dev.sandboxgate.filter.auth;

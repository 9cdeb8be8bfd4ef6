package dev.sandboxgate.filter.auth;

import dev.sandboxgate.filter.Authenticator;
import dev.sandboxgate.filter.Settings;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The authenticators configured by a filter's init-params, in the order they are asked. Built once at start-up; every
 * invalid setting fails here with a {@link dev.sandboxgate.filter.ConfigurationException} naming the init-param.
 *
 * <p>{@code authenticators} lists them by name, in order: {@code jwt}, {@code api-key}, {@code app-token},
 * {@code container}, or the class name of an {@link Authenticator} of your own (public, with a public constructor
 * taking {@link Settings} or none). Unset, every configured built-in one is used in that order: credentials the
 * request carries first, the container's session last. A built-in one is configured by its key setting:
 * {@code jwt-hmac-secret}, {@code jwt-public-keys} or {@code jwt-jwks-url}; {@code api-keys-file};
 * {@code app-api-token}; {@code container-role-pattern}. With none configured, deployment fails.
 */
public final class Authenticators {
    public static final String ORDER_PARAM = "authenticators";
    static final List<String> BUILT_IN = List.of("jwt", "api-key", "app-token", "container");
    static final List<String> KEY_PARAMS = List.of(JwtAuthenticator.SECRET, PemKeys.PARAM, JwtAuthenticator.JWKS_URL,
            ApiKeyAuthenticator.FILE_PARAM, StaticTokenAuthenticator.PARAM, ContainerAuthenticator.PARAM);

    private final List<Authenticator> ordered;
    private final Set<String> credentialHeaders;

    private Authenticators(List<Authenticator> ordered, Set<String> credentialHeaders) {
        this.ordered = List.copyOf(ordered);
        this.credentialHeaders = Set.copyOf(credentialHeaders);
    }

    /** The authenticators {@code settings} configure; fails when they configure none. */
    public static Authenticators configure(Settings settings) {
        return configure(settings, Clock.systemUTC());
    }

    static Authenticators configure(Settings settings, Clock clock) {
        List<String> names = settings.list(ORDER_PARAM);
        if (names.isEmpty()) {
            names = BUILT_IN.stream().filter(name -> isConfigured(settings, name)).toList();
        }
        if (!JwtAuthenticator.isConfigured(settings)) {
            for (String dependent : JwtAuthenticator.DEPENDENT_PARAMS) {
                if (settings.optional(dependent).isPresent()) {
                    throw settings.problem("init-param '" + dependent + "' is set but no JWT key is: set "
                            + "'jwt-hmac-secret', 'jwt-public-keys' or 'jwt-jwks-url' too");
                }
            }
        }
        if (names.isEmpty()) {
            throw settings.problem("no authenticator is configured, so no request could pass; set at least one of "
                    + settings.describeUnset(KEY_PARAMS));
        }
        List<Authenticator> ordered = new ArrayList<>();
        Set<String> credentialHeaders = new LinkedHashSet<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String name : names) {
            if (!seen.add(name)) {
                throw settings.invalid(ORDER_PARAM, String.join(",", names), "a list naming each authenticator once");
            }
            ordered.add(switch (name) {
                case "jwt" -> {
                    requireConfigured(settings, name, names);
                    yield JwtAuthenticator.from(settings, clock);
                }
                case "api-key" -> {
                    requireConfigured(settings, name, names);
                    ApiKeyAuthenticator apiKeys = ApiKeyAuthenticator.from(settings);
                    if (apiKeys.dedicatedHeader() != null) {
                        credentialHeaders.add(apiKeys.dedicatedHeader().toLowerCase(Locale.ROOT));
                    }
                    yield apiKeys;
                }
                case "app-token" -> {
                    requireConfigured(settings, name, names);
                    yield new StaticTokenAuthenticator(settings.required(StaticTokenAuthenticator.PARAM),
                            settings.optional("app-api-subject").orElse("app"));
                }
                case "container" -> {
                    requireConfigured(settings, name, names);
                    yield ContainerAuthenticator.from(settings);
                }
                default -> custom(settings, name, names);
            });
        }
        return new Authenticators(ordered, credentialHeaders);
    }

    /** In the order they are asked. */
    public List<Authenticator> ordered() {
        return ordered;
    }

    /**
     * Request headers, lower case, that carry callers' credentials besides {@code Authorization} (a dedicated API-key
     * header): the filter hides them from everything behind it.
     */
    public Set<String> credentialHeaders() {
        return credentialHeaders;
    }

    private static boolean isConfigured(Settings settings, String name) {
        return switch (name) {
            case "jwt" -> JwtAuthenticator.isConfigured(settings);
            case "api-key" -> ApiKeyAuthenticator.isConfigured(settings);
            case "app-token" -> settings.optional(StaticTokenAuthenticator.PARAM).isPresent();
            case "container" -> ContainerAuthenticator.isConfigured(settings);
            default -> false;
        };
    }

    private static void requireConfigured(Settings settings, String name, List<String> names) {
        if (!isConfigured(settings, name)) {
            List<String> keys = switch (name) {
                case "jwt" -> JwtAuthenticator.KEY_PARAMS;
                case "api-key" -> List.of(ApiKeyAuthenticator.FILE_PARAM);
                case "app-token" -> List.of(StaticTokenAuthenticator.PARAM);
                default -> List.of(ContainerAuthenticator.PARAM);
            };
            throw settings.problem("init-param '" + ORDER_PARAM + "' = '" + String.join(",", names) + "' names '"
                    + name + "', which is not configured: set " + settings.describeUnset(keys));
        }
    }

    private static Authenticator custom(Settings settings, String name, List<String> names) {
        if (!name.contains(".")) {
            throw settings.invalid(ORDER_PARAM, String.join(",", names), "a list of " + BUILT_IN
                    + " or class names of Authenticators (unknown: '" + name + "')");
        }
        return settings.newInstance(ORDER_PARAM, name, Authenticator.class);
    }
}

package dev.sandboxgate.filter;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletConfig;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a component's init-params, resolving {@code ${env:NAME}} and {@code ${sys:name}} placeholders (each with an
 * optional {@code :-default}, which may nest another placeholder), so one WAR is configured per deployment without a rebuild. A placeholder whose variable
 * is unset and has no default resolves to nothing, which reads as "not configured". Every invalid value fails with a
 * {@link ConfigurationException} that names the init-param; values of secret params are never echoed.
 */
public final class Settings {
    private static final Pattern PLACEHOLDER_START = Pattern.compile("\\$\\{(env|sys):([A-Za-z0-9_.-]+)");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|B|KiB|MiB|GiB)");

    private final String owner;
    private final UnaryOperator<String> params;
    private final UnaryOperator<String> env;
    private final UnaryOperator<String> sys;
    private final String fallbackName;
    private final UnaryOperator<String> fallback;

    Settings(String owner, UnaryOperator<String> params, UnaryOperator<String> env, UnaryOperator<String> sys) {
        this(owner, params, env, sys, null, null);
    }

    private Settings(String owner, UnaryOperator<String> params, UnaryOperator<String> env, UnaryOperator<String> sys,
                     String fallbackName, UnaryOperator<String> fallback) {
        this.owner = owner;
        this.params = params;
        this.env = env;
        this.sys = sys;
        this.fallbackName = fallbackName;
        this.fallback = fallback;
    }

    public static Settings of(FilterConfig config) {
        return new Settings(config.getFilterName(), config::getInitParameter, System::getenv, System::getProperty);
    }

    public static Settings of(ServletConfig config) {
        return new Settings(config.getServletName(), config::getInitParameter, System::getenv, System::getProperty);
    }

    /** For tests and embedding: init-params from {@code params}, placeholders from the given environment. */
    public static Settings of(String owner, UnaryOperator<String> params, UnaryOperator<String> env,
                              UnaryOperator<String> sys) {
        return new Settings(owner, params, env, sys);
    }

    /**
     * These settings, with {@code fallback} consulted for every param that is absent here or resolves to nothing
     * (placeholders in its values are resolved too). Used for an optional properties file of long lists.
     *
     * @param source names the fallback in error messages, e.g. the file's path
     */
    public Settings withFallback(String source, UnaryOperator<String> fallback) {
        return new Settings(owner, params, env, sys, source, fallback);
    }

    /** The component these settings belong to (the filter's or servlet's name), for messages. */
    public String owner() {
        return owner;
    }

    /** The resolved value, or empty when the param is absent or resolves to blank. */
    public Optional<String> optional(String name) {
        Optional<String> value = resolved(name, params.apply(name));
        if (value.isEmpty() && fallback != null) {
            return resolved(name, fallback.apply(name));
        }
        return value;
    }

    private Optional<String> resolved(String name, String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String value = resolve(name, raw).trim();
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    public String required(String name) {
        return optional(name).orElseThrow(() -> missing(name));
    }

    public Duration duration(String name, Duration fallback) {
        return optional(name).map(value -> parseDuration(name, value)).orElse(fallback);
    }

    /** A byte count written as {@code 2097152}, {@code 512KiB}, {@code 2MiB} or {@code 1GiB}. */
    public long size(String name, long fallback) {
        return optional(name).map(value -> parseSize(name, value)).orElse(fallback);
    }

    /** {@code true}/{@code false} (any case). */
    public boolean bool(String name, boolean fallback) {
        return optional(name).map(value -> {
            if (value.equalsIgnoreCase("true")) {
                return true;
            }
            if (value.equalsIgnoreCase("false")) {
                return false;
            }
            throw invalid(name, value, "true or false");
        }).orElse(fallback);
    }

    /** The comma-separated items of a param, trimmed, without empty ones; empty when the param is not set. */
    public List<String> list(String name) {
        return optional(name).map(value -> java.util.Arrays.stream(value.split(","))
                .map(String::trim).filter(item -> !item.isEmpty()).toList()).orElse(List.of());
    }

    /**
     * A failure for a setting that is present but wrong, naming the param and showing {@code value}; pass a masked
     * value (or none) for secrets.
     */
    public ConfigurationException invalid(String name, String value, String expected) {
        if (value == null) {
            return new ConfigurationException(owner + ": init-param '" + name + "' is not " + expected);
        }
        return new ConfigurationException(
                owner + ": init-param '" + name + "' = '" + value + "' is not " + expected);
    }

    /** A failure that is not about one value, e.g. two settings that contradict each other. */
    public ConfigurationException problem(String message) {
        return new ConfigurationException(owner + ": " + message);
    }

    /**
     * For "none of these is configured": each param with what it was set to when that resolved to nothing (safe for
     * secrets: such a value can only be placeholders), e.g. {@code 'app-api-token' ('${env:APP_API_TOKEN}' resolves
     * to nothing)}.
     */
    public String describeUnset(List<String> names) {
        return names.stream().map(name -> {
            String raw = params.apply(name);
            return raw == null ? "'" + name + "'" : "'" + name + "' ('" + raw + "' resolves to nothing)";
        }).collect(Collectors.joining(", "));
    }

    public int positiveInt(String name, int fallback) {
        return optional(name).map(value -> {
            try {
                int parsed = Integer.parseInt(value);
                if (parsed > 0) {
                    return parsed;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw invalid(name, value, "a positive integer");
        }).orElse(fallback);
    }

    /** An absolute {@code http} or {@code https} URL without query or fragment; a trailing slash is dropped. */
    public URI httpUrl(String name) {
        return optionalHttpUrl(name).orElseThrow(() -> missing(name));
    }

    /** Like {@link #httpUrl}, or empty when the param is not set. */
    public Optional<URI> optionalHttpUrl(String name) {
        return optional(name).map(value -> parseHttpUrl(name, value));
    }

    private URI parseHttpUrl(String name, String value) {
        try {
            URI uri = new URI(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null
                    && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null) {
                return uri;
            }
        } catch (URISyntaxException ignored) {
            // reported below
        }
        throw invalid(name, value, "an absolute http(s) URL without user info, query or fragment");
    }

    /**
     * Expands placeholders left to right. A default may itself hold a placeholder
     * ({@code ${sys:SANDBOX_URL:-${env:SANDBOX_URL}}}); resolved values are taken literally, never expanded again.
     */
    private String resolve(String name, String raw) {
        StringBuilder out = new StringBuilder();
        if (expand(raw, 0, out, false) != raw.length()) {
            throw unbalanced(name);
        }
        return out.toString();
    }

    /** Appends the expansion of {@code raw} from {@code from} to {@code out}; returns where it stopped. */
    private int expand(String raw, int from, StringBuilder out, boolean inDefault) {
        int i = from;
        while (i < raw.length()) {
            if (inDefault && raw.charAt(i) == '}') {
                return i;
            }
            Matcher start = raw.startsWith("${", i) ? PLACEHOLDER_START.matcher(raw).region(i, raw.length()) : null;
            if (start == null || !start.lookingAt()) {
                out.append(raw.charAt(i++));
                continue;
            }
            String value = (start.group(1).equals("env") ? env : sys).apply(start.group(2));
            i = start.end();
            StringBuilder fallback = new StringBuilder();
            if (raw.startsWith(":-", i)) {
                i = expand(raw, i + 2, fallback, true);
                if (i < 0) {
                    return -1;
                }
            }
            if (i >= raw.length() || raw.charAt(i) != '}') {
                return -1; // reported by resolve()
            }
            i++;
            out.append(value == null || value.isEmpty() ? fallback : value);
        }
        return i;
    }

    private Duration parseDuration(String name, String value) {
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw invalid(name, value, "a duration such as 500ms, 30s, 5m or 2h");
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    private long parseSize(String name, String value) {
        Matcher m = SIZE.matcher(value);
        if (!m.matches()) {
            throw invalid(name, value, "a size such as 2097152, 512KiB, 2MiB or 1GiB");
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "KiB" -> amount << 10;
            case "MiB" -> amount << 20;
            case "GiB" -> amount << 30;
            default -> amount;
        };
    }

    /**
     * Instantiates {@code className}, an implementation of {@code type} named by init-param {@code param}: a public
     * class with a public constructor taking these {@code Settings} (preferred, so it can read its own init-params)
     * or none. Every way this can fail is a {@link ConfigurationException} naming the param.
     */
    public <T> T newInstance(String param, String className, Class<T> type) {
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            Class<?> found = Class.forName(className, true, loader != null ? loader : type.getClassLoader());
            if (!type.isAssignableFrom(found)) {
                throw invalid(param, className, "a class implementing " + type.getName());
            }
            try {
                return type.cast(found.getConstructor(Settings.class).newInstance(this));
            } catch (NoSuchMethodException noSettingsConstructor) {
                return type.cast(found.getConstructor().newInstance());
            }
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause; // its own ConfigurationException, typically
            }
            throw invalid(param, className, "a class that can be constructed ("
                    + e.getCause().getClass().getSimpleName() + ")");
        } catch (ReflectiveOperationException | LinkageError e) {
            throw invalid(param, className, "a public " + type.getSimpleName() + " class with a public constructor "
                    + "taking Settings or none (" + e.getClass().getSimpleName() + ")");
        }
    }

    // Safe for secrets: a raw value that resolves to nothing can only be placeholders, never the secret itself.
    private ConfigurationException missing(String name) {
        String raw = params.apply(name);
        String hint = raw == null ? "is not set" : "'" + raw + "' resolves to nothing";
        if (fallback != null) {
            hint += ", here or in " + fallbackName;
        }
        return new ConfigurationException(owner + ": init-param '" + name + "' " + hint);
    }

    // The raw text may hold a literal secret, so only the param is named.
    private ConfigurationException unbalanced(String name) {
        return new ConfigurationException(owner + ": init-param '" + name + "' has an unbalanced ${...} placeholder");
    }

}

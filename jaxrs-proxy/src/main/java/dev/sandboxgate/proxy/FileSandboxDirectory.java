package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.Settings;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Workspaces mapped to sandboxes by a properties file ({@code sandbox-directory-file}), read once at start-up:
 * <pre>
 * sandbox.eu1.url   = http://10.0.0.5:2468
 * sandbox.eu1.token = ${env:SANDBOX_EU1_TOKEN}
 * sandbox.us1.url   = http://10.1.0.7:2468
 * sandbox.us1.token = ${env:SANDBOX_US1_TOKEN}
 * workspace.acme    = eu1
 * workspace.globex  = us1
 * # optional: every other workspace
 * workspace.*       = eu1
 * </pre>
 * Values take the same {@code ${env:}} / {@code ${sys:}} placeholders as init-params, so tokens need not be written in
 * the file. Every sandbox needs both a URL and a token, every workspace line a defined sandbox; otherwise deployment
 * fails naming the key (never a token).
 */
final class FileSandboxDirectory implements SandboxDirectory {
    static final String PARAM = "sandbox-directory-file";
    private static final Pattern SANDBOX_KEY = Pattern.compile("sandbox\\.([A-Za-z0-9_-]{1,64})\\.(url|token)");
    private static final Pattern WORKSPACE_KEY = Pattern.compile("workspace\\.([A-Za-z0-9_-]{1,64}|\\*)");

    private final Map<String, Sandbox> byWorkspace;
    private final Sandbox fallback;

    private FileSandboxDirectory(Map<String, Sandbox> byWorkspace, Sandbox fallback) {
        this.byWorkspace = Map.copyOf(byWorkspace);
        this.fallback = fallback;
    }

    static FileSandboxDirectory from(Settings settings) {
        String file = settings.required(PARAM);
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(Paths.get(file), StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | RuntimeException e) {
            throw settings.invalid(PARAM, file, "a readable properties file (" + e.getClass().getSimpleName() + ")");
        }
        // Placeholders in the file resolve as in init-params; messages name the file and the key.
        Settings entries = Settings.of(settings.owner() + " (" + file + ")", properties::getProperty,
                System::getenv, System::getProperty);
        Map<String, Sandbox> sandboxes = new HashMap<>();
        for (String key : properties.stringPropertyNames()) {
            Matcher sandbox = SANDBOX_KEY.matcher(key);
            if (sandbox.matches()) {
                String id = sandbox.group(1);
                if (!sandboxes.containsKey(id)) {
                    URI url = entries.httpUrl("sandbox." + id + ".url");
                    String token = entries.required("sandbox." + id + ".token");
                    sandboxes.put(id, new Sandbox(id, url, token));
                }
            } else if (!WORKSPACE_KEY.matcher(key).matches()) {
                throw entries.problem("key '" + key + "' is neither sandbox.{id}.url, sandbox.{id}.token nor "
                        + "workspace.{workspaceId} (or workspace.*)");
            }
        }
        Map<String, Sandbox> byWorkspace = new HashMap<>();
        Sandbox fallback = null;
        for (String key : properties.stringPropertyNames()) {
            Matcher workspace = WORKSPACE_KEY.matcher(key);
            if (!workspace.matches()) {
                continue;
            }
            String id = entries.required(key);
            Sandbox sandbox = sandboxes.get(id);
            if (sandbox == null) {
                throw entries.invalid(key, id, "the id of a sandbox defined in the file (sandbox." + id + ".url)");
            }
            if (workspace.group(1).equals("*")) {
                fallback = sandbox;
            } else {
                byWorkspace.put(workspace.group(1), sandbox);
            }
        }
        if (byWorkspace.isEmpty() && fallback == null) {
            throw new ConfigurationException(settings.owner() + ": init-param '" + PARAM + "' = '" + file
                    + "' maps no workspace to a sandbox");
        }
        return new FileSandboxDirectory(byWorkspace, fallback);
    }

    @Override
    public Sandbox sandboxFor(String workspaceId) {
        return byWorkspace.getOrDefault(workspaceId, fallback);
    }

    /** Every sandbox a workspace maps to (sandboxes defined but never mapped are not served, so not probed). */
    @Override
    public Collection<Sandbox> sandboxes() {
        Map<String, Sandbox> served = new TreeMap<>();
        byWorkspace.values().forEach(sandbox -> served.put(sandbox.id(), sandbox));
        if (fallback != null) {
            served.put(fallback.id(), fallback);
        }
        return List.copyOf(served.values());
    }
}

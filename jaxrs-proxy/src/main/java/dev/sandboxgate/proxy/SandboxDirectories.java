package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.Settings;
import java.util.Collection;
import java.util.List;

/** Builds the {@link SandboxDirectory} that the proxy servlet's {@code sandbox-directory} init-param names. */
final class SandboxDirectories {
    static final String PARAM = "sandbox-directory";

    private SandboxDirectories() {
    }

    /** Whether {@code sandbox-url} and {@code sandbox-token} are required (the {@code single} directory). */
    static boolean isSingle(Settings settings) {
        return settings.optional(PARAM).orElse("single").equals("single");
    }

    static SandboxDirectory from(Settings settings, ProxySettings proxy) {
        String name = settings.optional(PARAM).orElse("single");
        switch (name) {
            case "single": {
                SandboxDirectory.Sandbox only = new SandboxDirectory.Sandbox("default", proxy.sandboxUrl(),
                        proxy.sandboxToken());
                return new SandboxDirectory() {
                    @Override
                    public Sandbox sandboxFor(String workspaceId) {
                        return only;
                    }

                    @Override
                    public Collection<Sandbox> sandboxes() {
                        return List.of(only);
                    }
                };
            }
            case "file":
                return FileSandboxDirectory.from(settings);
            case "jdbc":
                return JdbcSandboxDirectory.from(settings);
            default:
                return custom(settings, name);
        }
    }

    private static SandboxDirectory custom(Settings settings, String name) {
        if (!name.contains(".")) {
            throw settings.invalid(PARAM, name, "'single', 'file', 'jdbc' or the class name of a SandboxDirectory");
        }
        return settings.newInstance(PARAM, name, SandboxDirectory.class);
    }
}

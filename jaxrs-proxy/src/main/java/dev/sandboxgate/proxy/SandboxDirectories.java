package dev.sandboxgate.proxy;

import dev.sandboxgate.filter.Settings;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;

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
                return workspaceId -> only;
            }
            case "file":
                return FileSandboxDirectory.from(settings);
            default:
                return custom(settings, name);
        }
    }

    private static SandboxDirectory custom(Settings settings, String name) {
        if (!name.contains(".")) {
            throw settings.invalid(PARAM, name, "'single', 'file' or the class name of a SandboxDirectory");
        }
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            Class<?> type = Class.forName(name, true, loader != null ? loader
                    : SandboxDirectories.class.getClassLoader());
            if (!SandboxDirectory.class.isAssignableFrom(type)) {
                throw settings.invalid(PARAM, name, "a class implementing " + SandboxDirectory.class.getName());
            }
            try {
                Constructor<?> withSettings = type.getConstructor(Settings.class);
                return (SandboxDirectory) withSettings.newInstance(settings);
            } catch (NoSuchMethodException e) {
                return (SandboxDirectory) type.getConstructor().newInstance();
            }
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw settings.invalid(PARAM, name, "a class that can be constructed ("
                    + e.getCause().getClass().getSimpleName() + ")");
        } catch (ReflectiveOperationException | LinkageError e) {
            throw settings.invalid(PARAM, name, "a public SandboxDirectory class with a public constructor taking "
                    + "Settings or none (" + e.getClass().getSimpleName() + ")");
        }
    }
}

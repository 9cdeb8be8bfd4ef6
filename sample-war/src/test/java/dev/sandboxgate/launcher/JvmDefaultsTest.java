package dev.sandboxgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JvmDefaultsTest {
    @Test
    void plainJavaDashJarGetsTheLaunchersDefaults() {
        assertThat(JvmDefaults.wanted(List.of(), Map.of(), null)).isTrue();
    }

    @Test
    void systemPropertiesAreSettingsNotAChoiceOfJvm() {
        assertThat(JvmDefaults.wanted(List.of("-DSANDBOX_URL=http://127.0.0.1:1", "-DPORT=0"), Map.of(), null))
                .isTrue();
    }

    @Test
    void anyJvmOptionMeansTheUserChose() {
        for (String option : List.of("-Xmx128m", "-XX:+UseG1GC", "-XX:MaxRAMPercentage=50", "-Xss512k",
                "-agentlib:jdwp=transport=dt_socket,server=y,address=5005", "-verbose:gc")) {
            assertThat(JvmDefaults.wanted(List.of("-DPORT=0", option), Map.of(), null)).as(option).isFalse();
        }
    }

    @Test
    void optionsFromTheEnvironmentMeanTheUserChose() {
        for (String variable : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
            assertThat(JvmDefaults.wanted(List.of(), Map.of(variable, "-Xmx1g"), null)).as(variable).isFalse();
            assertThat(JvmDefaults.wanted(List.of(), Map.of(variable, " "), null)).as(variable + " blank").isTrue();
        }
    }

    @Test
    void theRelaunchedJvmAndAnExplicitAsIsRunTheGatewayThemselves() {
        assertThat(JvmDefaults.wanted(List.of(), Map.of(), "relaunched")).isFalse();
        assertThat(JvmDefaults.wanted(List.of(), Map.of(), "as-is")).isFalse();
    }

    @Test
    void commandRunsTheSameJarWithTheDefaultsThePropertiesAndTheArguments() {
        Path javaHome = Paths.get("/opt/jdk");
        Path jar = Paths.get("/srv/gate/sandbox-gate-launcher.jar");
        assertThat(JvmDefaults.command(javaHome, List.of("-DPORT=9000"), jar, new String[] {"a", "b"}))
                .containsExactly("/opt/jdk/bin/java", "-XX:+UseSerialGC", "-Xms64m", "-DPORT=9000",
                        "-Dsandboxgate.jvm=relaunched", "-jar", "/srv/gate/sandbox-gate-launcher.jar", "a", "b");
    }
}

package dev.sandboxgate.filter.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.WorkspaceRole;
import dev.sandboxgate.filter.path.PercentDecoding;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The role table, its overrides, the filesystem root, and the one reading of a query string. */
class PolicyAndConfinementTest {

    private static Settings settings(String... pairs) {
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            params.put(pairs[i], pairs[i + 1]);
        }
        return Settings.of("TestFilter", params::get, name -> null, name -> null);
    }

    @Test
    void defaultsFollowTheDocumentedTable() {
        RolePolicy policy = RolePolicy.defaults();
        assertThat(policy.required(Operation.HEALTH)).isEqualTo(WorkspaceRole.VIEWER);
        assertThat(policy.required(Operation.ACP_STREAM)).isEqualTo(WorkspaceRole.VIEWER);
        assertThat(policy.required(Operation.FS_READ)).isEqualTo(WorkspaceRole.VIEWER);
        assertThat(policy.required(Operation.ACP_SEND)).isEqualTo(WorkspaceRole.MEMBER);
        assertThat(policy.required(Operation.FS_WRITE)).isEqualTo(WorkspaceRole.MEMBER);
        assertThat(policy.required(Operation.FS_DELETE)).isEqualTo(WorkspaceRole.OWNER);
        assertThat(policy.required(Operation.PROCESS_EXEC)).isEqualTo(WorkspaceRole.OWNER);
        assertThat(policy.required(Operation.CONFIG_WRITE)).isEqualTo(WorkspaceRole.OWNER);
    }

    @Test
    void overridesRowsAndFamilies() {
        RolePolicy policy = RolePolicy.from(settings("route-policy", "fs.delete=member, desktop.*=none,health=OWNER"));
        assertThat(policy.required(Operation.FS_DELETE)).isEqualTo(WorkspaceRole.MEMBER);
        assertThat(policy.required(Operation.DESKTOP_READ)).isNull();
        assertThat(policy.required(Operation.DESKTOP_CONTROL)).isNull();
        assertThat(policy.required(Operation.HEALTH)).isEqualTo(WorkspaceRole.OWNER);
        assertThat(policy.required(Operation.FS_READ)).isEqualTo(WorkspaceRole.VIEWER);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fs.delete", "fs.delete=admin", "fs.remove=owner", "nothing.*=owner"})
    void rejectsAPolicyItCannotRead(String value) {
        assertThatThrownBy(() -> RolePolicy.from(settings("route-policy", value)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'route-policy'");
    }

    @Test
    void rejectsAnUnknownAuthorizationMode() {
        assertThatThrownBy(() -> Authorization.stage(settings("authorization", "maybe")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'authorization'");
        assertThat(Authorization.stage(settings("authorization", "off"))).isNull();
        assertThat(Authorization.stage(settings())).isInstanceOf(AuthorizationStage.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"workspace", "", "/workspace/../etc", "/a//b", "/a/./b", "/a\\b", "/a\u0000b"})
    void rejectsARootThatIsNotAnAbsoluteNormalDirectory(String root) {
        if (root.isEmpty()) {
            return; // blank reads as "not configured": the default applies
        }
        assertThatThrownBy(() -> FsRoot.from(settings("fs-root", root)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'fs-root'");
    }

    @Test
    void holdsPathsInsideTheRoot() {
        FsRoot root = FsRoot.from(settings());
        assertThat(root.check("/workspace", "ws_1")).isNull();
        assertThat(root.check("/workspace/", "ws_1")).isNull();
        assertThat(root.check("/workspace/a/b.txt", "ws_1")).isNull();
        assertThat(root.check("//workspace//a", "ws_1")).isNull();
        assertThat(root.check("/workspace/..x/x..", "ws_1")).isNull();
        assertThat(root.check("/workspacex/a", "ws_1")).isEqualTo(FsRoot.OUTSIDE);
        assertThat(root.check("/etc/passwd", "ws_1")).isEqualTo(FsRoot.OUTSIDE);
        assertThat(root.check("/", "ws_1")).isEqualTo(FsRoot.OUTSIDE);
        for (String bad : new String[] {"", "workspace/a", "./a", "~/a", "/workspace/../etc", "/workspace/./a",
                "/workspace/a/..", "/workspace\\..\\etc", "/workspace/a\u0000", "/workspace/%2e%2e/etc",
                "/workspace/%2F", "/workspace/a\n"}) {
            assertThat(root.check(bad, "ws_1")).as(bad).isNotNull().isNotEqualTo(FsRoot.OUTSIDE);
        }
    }

    @Test
    void aRootTemplateGivesEachWorkspaceItsOwnDirectory() {
        FsRoot root = FsRoot.from(settings("fs-root", "/workspaces/{workspaceId}/"));
        assertThat(root.rootOf("ws_1")).isEqualTo("/workspaces/ws_1");
        assertThat(root.check("/workspaces/ws_1/a", "ws_1")).isNull();
        assertThat(root.check("/workspaces/ws_2/a", "ws_1")).isEqualTo(FsRoot.OUTSIDE);
        assertThat(root.check("/workspaces/ws_10/a", "ws_1")).isEqualTo(FsRoot.OUTSIDE);
    }

    @Test
    void readsTheQueryAsTheSandboxDoes() throws Exception {
        QueryParameters query = QueryParameters.parse("pa%74h=%2Fworkspace%2Fa+b&&recursive&x=1=2&path");
        assertThat(query.values("path")).containsExactly("/workspace/a b", "");
        assertThat(query.values("recursive")).containsExactly("");
        assertThat(query.values("x")).containsExactly("1=2");
        assertThat(QueryParameters.parse(null).values("path")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"path=%", "path=%zz", "path=%C0%AE", "path=%FF", "pa%7=x", "path=caf\u00e9"})
    void refusesAQueryTheSandboxWouldReadLeniently(String raw) {
        assertThatThrownBy(() -> QueryParameters.parse(raw)).isInstanceOf(PercentDecoding.Invalid.class);
    }
}

package dev.sandboxgate.filter.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.Settings;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * Where {@link Database} finds its DataSource. A container's JNDI cannot run here, so {@link StandInNaming} stands in
 * for it, serving an H2 DataSource under one name, as a container's {@code <resource-ref>} would.
 */
class DatabaseTest {
    private static final String NAME = "java:comp/env/jdbc/sandboxgate";

    private static Settings settings(Map<String, String> params) {
        return Settings.of("test", params::get, name -> null, name -> null);
    }

    @Test
    void aContainersDataSourceIsFoundByItsJndiNameAndNeverClosedByTheGateway() throws Exception {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        try (StandInNaming naming = StandInNaming.install(Map.of(NAME, h2))) {
            Database database = Database.from(settings(Map.of("x-datasource", NAME)), "x");
            assertThat(database.dataSource()).isSameAs(h2);
            database.ensureTable("sandbox_gate_acp_binding",
                    Class.forName("dev.sandboxgate.filter.authz.Authorization"), "session-registry.sql");
            database.close();
            try (Connection connection = h2.getConnection()) {
                assertThat(connection.createStatement()
                        .executeQuery("SELECT COUNT(*) FROM sandbox_gate_acp_binding").next()).isTrue();
            }

            assertThatThrownBy(() -> Database.from(
                    settings(Map.of("x-datasource", "java:comp/env/jdbc/none")), "x"))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("'x-datasource' = 'java:comp/env/jdbc/none'")
                    .hasMessageContaining("NameNotFoundException");
        }
    }

    @Test
    void withoutANamingServiceTheJndiNameStopsDeployment() {
        assertThatThrownBy(() -> Database.from(settings(Map.of("x-datasource", NAME)), "x"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'x-datasource'");
    }

    @Test
    void aScriptsTableTakesTheGivenNameWhichMustBeAPlainIdentifier() throws Exception {
        Class<?> audit = Class.forName("dev.sandboxgate.filter.audit.AuditTrail");
        List<String> renamed = Database.script(audit, "schema.sql", "sandbox_audit", "audit_2026");
        assertThat(renamed).isNotEmpty().noneMatch(sql -> sql.contains("sandbox_audit") || sql.contains("--"));
        assertThat(renamed.get(0)).startsWith("CREATE TABLE IF NOT EXISTS audit_2026 (");
        assertThat(renamed).contains("CREATE INDEX IF NOT EXISTS audit_2026_ts ON audit_2026 (ts)");

        for (String unsafe : List.of("audit; DROP TABLE users", "audit--", "\"audit\"", "1audit", "")) {
            assertThatThrownBy(() -> Database.script(audit, "schema.sql", "sandbox_audit", unsafe))
                    .as(unsafe).isInstanceOf(IllegalArgumentException.class);
        }
    }
}

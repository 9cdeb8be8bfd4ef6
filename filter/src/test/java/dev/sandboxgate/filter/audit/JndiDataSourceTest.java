package dev.sandboxgate.filter.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.Settings;
import dev.sandboxgate.filter.jdbc.StandInNaming;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import javax.naming.InitialContext;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Without {@code audit-jdbc-url}, the JDBC sink takes the container's DataSource from JNDI. No container runs here, so
 * {@link StandInNaming} stands in for the container's (its only entry: an H2 DataSource at the default name); the
 * lookup, the table's creation and the writes are the real ones.
 */
class JndiDataSourceTest {
    private static final String URL = "jdbc:h2:mem:jndi-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";

    private StandInNaming naming;

    @BeforeEach
    void install() {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL(URL);
        naming = StandInNaming.install(Map.of("java:comp/env/jdbc/sandboxAudit", dataSource));
    }

    @AfterEach
    void uninstall() {
        naming.close();
    }

    private static Settings settings(Map<String, String> params) {
        return Settings.of("jndi-test", params::get, name -> null, name -> null);
    }

    @Test
    void writesThroughTheDataSourceAtTheDefaultJndiName() throws Exception {
        assertThat(new InitialContext().lookup("java:comp/env/jdbc/sandboxAudit")).isInstanceOf(JdbcDataSource.class);
        AuditTrail trail = AuditTrail.configure(settings(Map.of("audit-sinks", "jdbc", "audit-node", "jndi")));
        trail.close(); // drains: the chain-start record is written

        try (Connection connection = DriverManager.getConnection(URL);
             Statement sql = connection.createStatement();
             ResultSet row = sql.executeQuery("SELECT event, seq FROM sandbox_audit WHERE node = 'jndi'")) {
            assertThat(row.next()).isTrue();
            assertThat(row.getString(1)).isEqualTo("chain-start");
            assertThat(row.getLong(2)).isEqualTo(1);
        }
    }

    @Test
    void auditJdbcTableNamesTheTableTheSinkCreatesAndWritesTo() throws Exception {
        AuditTrail trail = AuditTrail.configure(settings(Map.of("audit-sinks", "jdbc", "audit-node", "renamed",
                "audit-jdbc-table", "audit_renamed")));
        trail.close();

        try (Connection connection = DriverManager.getConnection(URL);
             Statement sql = connection.createStatement();
             ResultSet row = sql.executeQuery("SELECT event FROM audit_renamed WHERE node = 'renamed'")) {
            assertThat(row.next()).isTrue();
            assertThat(row.getString(1)).isEqualTo("chain-start");
        }
        assertThatThrownBy(() -> AuditTrail.configure(settings(Map.of("audit-sinks", "jdbc",
                "audit-jdbc-table", "audit; DROP TABLE audit_renamed"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("audit-jdbc-table");
    }

    @Test
    void aDataSourceNameThatDoesNotResolveStopsDeployment() {
        assertThatThrownBy(() -> AuditTrail.configure(settings(Map.of("audit-sinks", "jdbc",
                "audit-datasource", "java:comp/env/jdbc/missing"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("audit-datasource").hasMessageContaining("java:comp/env/jdbc/missing");
    }
}

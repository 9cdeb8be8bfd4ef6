package dev.sandboxgate.filter.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.Settings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Hashtable;
import java.util.Map;
import javax.naming.Context;
import javax.naming.InitialContext;
import javax.naming.NameNotFoundException;
import javax.naming.spi.InitialContextFactory;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Without {@code audit-jdbc-url}, the JDBC sink takes the container's DataSource from JNDI. No container runs here, so
 * a minimal naming context stands in for the container's (its only entry: an H2 DataSource at the default name); the
 * lookup, the table's creation and the writes are the real ones.
 */
class JndiDataSourceTest {
    private static final String URL = "jdbc:h2:mem:jndi-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";

    /** The stand-in naming context, installed as {@code java.naming.factory.initial}. */
    public static final class Factory implements InitialContextFactory {
        @Override
        public Context getInitialContext(Hashtable<?, ?> environment) {
            JdbcDataSource dataSource = new JdbcDataSource();
            dataSource.setURL(URL);
            return (Context) java.lang.reflect.Proxy.newProxyInstance(Context.class.getClassLoader(),
                    new Class<?>[] {Context.class}, (proxy, method, args) -> {
                        if (method.getName().equals("lookup") && "java:comp/env/jdbc/sandboxAudit".equals(args[0])) {
                            return dataSource;
                        }
                        if (method.getName().equals("lookup")) {
                            throw new NameNotFoundException(String.valueOf(args[0]));
                        }
                        return null;
                    });
        }
    }

    @BeforeEach
    void install() {
        System.setProperty(Context.INITIAL_CONTEXT_FACTORY, Factory.class.getName());
    }

    @AfterEach
    void uninstall() {
        System.clearProperty(Context.INITIAL_CONTEXT_FACTORY);
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
    void aDataSourceNameThatDoesNotResolveStopsDeployment() {
        assertThatThrownBy(() -> AuditTrail.configure(settings(Map.of("audit-sinks", "jdbc",
                "audit-datasource", "java:comp/env/jdbc/missing"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("audit-datasource").hasMessageContaining("java:comp/env/jdbc/missing");
    }
}

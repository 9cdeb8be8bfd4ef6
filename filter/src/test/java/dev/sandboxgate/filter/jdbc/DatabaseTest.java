package dev.sandboxgate.filter.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandboxgate.filter.ConfigurationException;
import dev.sandboxgate.filter.Settings;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.Hashtable;
import java.util.Map;
import java.util.UUID;
import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.spi.InitialContextFactory;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where {@link Database} finds its DataSource. A container's JNDI cannot run here, so a minimal naming context
 * (installed through the standard {@code java.naming.factory.initial} property) stands in for it, serving an H2
 * DataSource under one name, as a container's {@code <resource-ref>} would.
 */
class DatabaseTest {
    private static final String NAME = "java:comp/env/jdbc/sandboxgate";
    static volatile DataSource bound;

    /** The stand-in for a container's naming service: {@link #NAME} and nothing else. */
    public static final class TestNaming implements InitialContextFactory {
        @Override
        public Context getInitialContext(Hashtable<?, ?> environment) {
            return (Context) Proxy.newProxyInstance(Context.class.getClassLoader(), new Class<?>[] {Context.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("lookup") && NAME.equals(String.valueOf(args[0]))) {
                            return bound;
                        }
                        if (method.getName().equals("lookup")) {
                            throw new NameNotFoundException(String.valueOf(args[0]));
                        }
                        return null;
                    });
        }
    }

    @AfterEach
    void uninstall() {
        System.clearProperty(Context.INITIAL_CONTEXT_FACTORY);
    }

    private static Settings settings(Map<String, String> params) {
        return Settings.of("test", params::get, name -> null, name -> null);
    }

    @Test
    void aContainersDataSourceIsFoundByItsJndiNameAndNeverClosedByTheGateway() throws Exception {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        bound = h2;
        System.setProperty(Context.INITIAL_CONTEXT_FACTORY, TestNaming.class.getName());

        Database database = Database.from(settings(Map.of("x-datasource", NAME)), "x");
        assertThat(database.dataSource()).isSameAs(h2);
        database.ensureTable("sandbox_gate_acp_binding", Class.forName("dev.sandboxgate.filter.authz.Authorization"),
                "session-registry.sql");
        database.close();
        try (Connection connection = h2.getConnection()) {
            assertThat(connection.createStatement().executeQuery("SELECT COUNT(*) FROM sandbox_gate_acp_binding")
                    .next()).isTrue();
        }

        assertThatThrownBy(() -> Database.from(settings(Map.of("x-datasource", "java:comp/env/jdbc/none")), "x"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'x-datasource' = 'java:comp/env/jdbc/none'")
                .hasMessageContaining("NameNotFoundException");
    }

    @Test
    void withoutANamingServiceTheJndiNameStopsDeployment() {
        assertThatThrownBy(() -> Database.from(settings(Map.of("x-datasource", NAME)), "x"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'x-datasource'");
    }
}

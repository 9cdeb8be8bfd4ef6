package dev.sandboxgate.filter.audit;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.ServiceLoader;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;

/**
 * Where the audit table's connections come from: the container's {@link DataSource}, looked up in JNDI (pooled, the
 * enterprise way), or a JDBC URL with a user and password (the embedded H2 file of the sample, the tools).
 */
interface JdbcConnections {

    Connection open() throws SQLException;

    static JdbcConnections url(String url, String user, String password) {
        Properties properties = new Properties();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        return () -> {
            // DriverManager registers only the drivers its first caller's class loader could see; in a container that
            // may not be the web application's. So the driver is looked up where this class was loaded first.
            for (Driver driver : ServiceLoader.load(Driver.class, JdbcConnections.class.getClassLoader())) {
                if (driver.acceptsURL(url)) {
                    return driver.connect(url, properties);
                }
            }
            return DriverManager.getConnection(url, properties);
        };
    }

    /** Looks the data source up once, now: a name that resolves to nothing stops deployment. */
    static JdbcConnections jndi(String name) throws NamingException {
        Object found = new InitialContext().lookup(name);
        if (!(found instanceof DataSource dataSource)) {
            throw new NamingException(name + " is not a javax.sql.DataSource");
        }
        return dataSource::getConnection;
    }
}

/**
 * Where the gateway keeps state that must survive a restart and be shared by a cluster: {@link
 * dev.sandboxgate.filter.jdbc.Database} opens the database that init-params name (a container's JNDI DataSource or a
 * JDBC URL) and creates the tables it needs from SQL scripts on the class path.
 */
package dev.sandboxgate.filter.jdbc;

/**
 * Database tables and queries as a {@link dev.kiln.source.Source}, read through JDBC: {@link
 * dev.kiln.source.jdbc.JdbcSource}. Names from the config are checked and quoted, never pasted into SQL; samples and
 * time windows are pushed into the database's SQL; credentials never leave the connection properties.
 */
package dev.kiln.source.jdbc;

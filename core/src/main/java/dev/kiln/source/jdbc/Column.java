package dev.kiln.source.jdbc;

import java.sql.Types;

/**
 * A column of the source as JDBC describes it.
 *
 * @param name the name as the database stores it
 * @param type its {@link Types} code
 * @param typeName the database's own type name, e.g. {@code timestamptz}
 * @param scale digits after the decimal point, for NUMERIC and DECIMAL
 */
record Column(String name, int type, String typeName, int scale) {

  boolean integral() {
    return switch (type) {
      case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT -> true;
      case Types.NUMERIC, Types.DECIMAL -> scale == 0;
      default -> false;
    };
  }

  boolean numeric() {
    return integral() || switch (type) {
      case Types.NUMERIC, Types.DECIMAL, Types.REAL, Types.FLOAT, Types.DOUBLE -> true;
      default -> false;
    };
  }

  /** A type Spark's JDBC reader can split into ranges (floats left out: NaN has no place in a range). */
  boolean rangeable() {
    return switch (type) {
      case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT, Types.NUMERIC, Types.DECIMAL, Types.DATE,
          Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE -> true;
      default -> false;
    };
  }

  /** A PostgreSQL {@code timestamptz}: its text follows the session's time zone. */
  boolean zoned() {
    return "timestamptz".equalsIgnoreCase(typeName);
  }
}

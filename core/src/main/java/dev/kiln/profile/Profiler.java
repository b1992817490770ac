package dev.kiln.profile;

import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Computes the {@link Profile} of a table. */
public interface Profiler {

  /**
   * Profiles every top-level column of {@code rows}, the correlations of its numeric columns and, given a label, each
   * other column's association with it. Reads {@code rows} a small, fixed number of times whatever its width; it
   * neither caches nor changes them.
   *
   * @throws dev.kiln.errors.InvalidInputException if {@code label} names no column of {@code rows}
   */
  Profile profile(Dataset<Row> rows, Optional<String> label);
}

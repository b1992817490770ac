package dev.kiln.sample;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Chooses the rows a pipeline works on. The same seed and input give the same rows on any cluster layout. */
public interface Sampler {

  Dataset<Row> sample(Dataset<Row> rows);

  /** For summaries and lineage, e.g. {@code bernoulli fraction=0.1 seed=42}. */
  String describe();
}

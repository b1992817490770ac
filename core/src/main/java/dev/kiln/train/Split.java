package dev.kiln.train;

import dev.kiln.config.PipelineConfig.EvaluationConfig;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * How labelled rows are divided into the rows a model is fitted on and the held-out rows it is measured on. Every
 * implementation decides a row's side from values and the seed only, never from how the rows are partitioned, and
 * keeps the rows' partitioning (a filter): {@link #train} and {@link #test} of the same rows are disjoint and together
 * hold every row.
 */
public interface Split {

  /** The rows the model is fitted on. */
  Dataset<Row> train(Dataset<Row> rows);

  /** The held-out rows; nothing fitted ever sees them. */
  Dataset<Row> test(Dataset<Row> rows);

  /**
   * How the rows were split, for people and for the registry's lineage. Once {@link #train} or {@link #test} has
   * been asked for, it includes what was decided from the data (a time cutoff, the classes' test counts).
   */
  String describe();

  /** The split {@code evaluation} configures; {@code label} is the label column (stratified splits keep its classes). */
  static Split of(EvaluationConfig evaluation, String label) {
    return switch (evaluation.split()) {
      case "stratified" -> new StratifiedSplit(evaluation.testFraction(), label, evaluation.splitBy(),
          evaluation.seed());
      case "time" -> new TimeSplit(evaluation.timeColumn().orElseThrow(), evaluation.testFrom(),
          evaluation.testFraction());
      default -> new HoldOutSplit(evaluation.testFraction(), evaluation.splitBy(), evaluation.seed());
    };
  }
}

package dev.kiln.serving;

import dev.kiln.registry.ModelVersion;
import dev.kiln.score.PipelineScorer;
import dev.kiln.score.RowScorer;
import org.apache.spark.sql.SparkSession;

/**
 * Loads a version's saved pipeline with Spark's readers, on whichever thread asks (the reload thread): the session is
 * made that thread's active one for the load. Scoring afterwards does not touch Spark.
 */
public final class SparkModelLoader implements ModelLoader {

  private final SparkSession spark;
  private final ModelLoader compile;

  SparkModelLoader(SparkSession spark, ModelLoader compile) {
    this.spark = spark;
    this.compile = compile;
  }

  /** The loader {@code kiln serve} uses: {@link PipelineScorer#load}, in {@code spark}. */
  public static SparkModelLoader pipelineScorer(SparkSession spark) {
    return new SparkModelLoader(spark, PipelineScorer::load);
  }

  @Override
  public RowScorer load(ModelVersion version) {
    SparkSession.setActiveSession(spark);
    try {
      return compile.load(version);
    } finally {
      SparkSession.clearActiveSession();
    }
  }
}

/**
 * The Spark-free row scorer: a saved {@code PipelineModel} compiled once into one small evaluator per fitted stage,
 * composed in stage order over a frame of slots, then called per record with no SparkSession, job or DataFrame.
 * Loading needs Spark (the saved stages are read by their own MLlib readers); scoring does not. A stage without an
 * exact evaluator is refused at load with {@link dev.kiln.errors.UnsupportedStageException}, never approximated.
 */
package dev.kiln.score;

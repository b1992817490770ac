package dev.kiln.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated pipeline configuration: what to read, how to sample and clean it, which features and model to fit, how
 * to hold data out, and where to register the result. Immutable; built only by {@link PipelineConfigParser}, which
 * also keeps the rendered text (secrets redacted) and its hash for the registry's lineage.
 */
public record PipelineConfig(
    String name,
    String warehouse,
    SourceConfig source,
    SampleConfig sample,
    CleanConfig clean,
    FeatureConfig features,
    ModelConfig model,
    EvaluationConfig evaluation,
    RegistryConfig registry,
    SparkConfig spark,
    String renderedText,
    String hash) {

  /**
   * Where and how to read the input. {@code path} is a qualified Hadoop path ({@code file:}, {@code hdfs:}, ...);
   * {@code version} pins a Delta table's version.
   */
  public record SourceConfig(String format, Optional<String> path, Map<String, String> options,
      GeneratedConfig generated, Optional<Long> version) {}

  /** Size and seed of Kiln's generated demo table, for {@code format = generated}. */
  public record GeneratedConfig(long rows, long seed) {}

  public record SampleConfig(double fraction, long seed) {}

  public record CleanConfig(boolean exactDedup, List<String> dedupKey, Optional<String> latestBy) {}

  public record FeatureConfig(String label, List<String> numeric, List<String> categorical, String impute) {

    /** Every input column the features read, label last. */
    public List<String> allColumns() {
      List<String> all = new java.util.ArrayList<>(numeric);
      all.addAll(categorical);
      all.add(label);
      return List.copyOf(all);
    }
  }

  /** {@code params} are Spark ML parameter names and values, checked against the estimator before any work. */
  public record ModelConfig(String name, String algorithm, Map<String, String> params) {}

  public record EvaluationConfig(double testFraction, List<String> splitBy, long seed) {}

  public record RegistryConfig(String root) {}

  public record SparkConfig(String master, int partitions, Map<String, String> conf) {}
}

package dev.kiln.registry;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One registered version of a model: where its fitted {@code PipelineModel} is, how well it did on held-out data, and
 * everything needed to know what it was trained on.
 *
 * @param artifactUri the saved {@code PipelineModel}
 * @param metrics held-out metrics, e.g. {@code auc_roc}
 * @param params the algorithm and every estimator parameter
 * @param lineage where the data came from and what happened to it: {@link Lineage}
 * @param ledger rows in and out of each step, e.g. {@code source_rows}, {@code exact_duplicates}
 * @param config the pipeline config as rendered text, secrets redacted
 * @param signature the model's input columns and output columns, as a Spark schema in JSON
 * @param tags free-form labels, e.g. {@code team -> risk}
 */
public record ModelVersion(
    String name,
    long version,
    String runId,
    Instant createdAt,
    String artifactUri,
    Map<String, Double> metrics,
    Map<String, String> params,
    Lineage lineage,
    Map<String, Long> ledger,
    String config,
    String configHash,
    String signature,
    Map<String, String> tags) {

  /**
   * @param sourceVersion the Delta version read, empty for unversioned files
   * @param sampleProvenance how the sample was taken (source query or files, pushdown, seed, rows and bytes read), as
   *     JSON; {@code {}} for versions registered before Kiln recorded it
   */
  public record Lineage(String sourceUri, String sourceFormat, Optional<Long> sourceVersion, String sample,
      String dedup, String split, String sampleProvenance) {

    public Lineage(String sourceUri, String sourceFormat, Optional<Long> sourceVersion, String sample,
        String dedup, String split) {
      this(sourceUri, sourceFormat, sourceVersion, sample, dedup, split, "{}");
    }
  }

  /** {@code name@version}, the way the CLI names a version. */
  public String ref() {
    return name + "@" + version;
  }

  /** This record under another version number: how a registry assigns one. */
  public ModelVersion withVersion(long assigned) {
    return new ModelVersion(name, assigned, runId, createdAt, artifactUri, metrics, params, lineage, ledger, config,
        configHash, signature, tags);
  }
}

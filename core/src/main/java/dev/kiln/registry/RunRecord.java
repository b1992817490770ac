package dev.kiln.registry;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The state of one training run. A run is recorded when it starts ({@link Status#RUNNING}) and again when it ends;
 * a run that stays RUNNING with no end died without saying so (a killed driver, a lost machine).
 *
 * @param model the version it registered, as {@code name@version}, if it got that far
 * @param error why it failed, in the words the CLI printed
 * @param codeVersion the Kiln build that ran it: {@link #currentCodeVersion()}
 * @param params the algorithm and estimator parameters it was started with
 * @param config the pipeline config, rendered with secrets redacted
 * @param source the source it read, with its version ({@code uri@version}), once known
 */
public record RunRecord(String runId, String pipeline, Status status, Instant startedAt, Optional<Instant> endedAt,
    String configHash, Optional<String> model, Map<String, Double> metrics, Map<String, Long> ledger,
    Optional<String> error, String codeVersion, Map<String, String> params, String config, Map<String, String> tags,
    Optional<String> source) {

  public enum Status { RUNNING, SUCCEEDED, FAILED }

  public static RunRecord started(String runId, String pipeline, String configHash) {
    return started(runId, pipeline, configHash, "", Map.of(), Map.of());
  }

  public static RunRecord started(String runId, String pipeline, String configHash, String config,
      Map<String, String> params, Map<String, String> tags) {
    return new RunRecord(runId, pipeline, Status.RUNNING, Instant.now(), Optional.empty(), configHash,
        Optional.empty(), Map.of(), Map.of(), Optional.empty(), currentCodeVersion(), params, config, tags,
        Optional.empty());
  }

  public RunRecord succeeded(ModelVersion version) {
    String read = version.lineage().sourceUri() + version.lineage().sourceVersion().map(v -> "@" + v).orElse("");
    return new RunRecord(runId, pipeline, Status.SUCCEEDED, startedAt, Optional.of(Instant.now()), configHash,
        Optional.of(version.ref()), version.metrics(), version.ledger(), Optional.empty(), codeVersion, params,
        config, tags, Optional.of(read));
  }

  public RunRecord failed(String why) {
    return new RunRecord(runId, pipeline, Status.FAILED, startedAt, Optional.of(Instant.now()), configHash,
        Optional.empty(), Map.of(), Map.of(), Optional.of(why), codeVersion, params, config, tags, source);
  }

  /**
   * The running Kiln build: the application jar's {@code Implementation-Version}, with Spark's version; classes
   * run from a build directory (tests, an IDE) say {@code development}.
   */
  public static String currentCodeVersion() {
    String kiln = RunRecord.class.getPackage().getImplementationVersion();
    return "kiln " + (kiln == null ? "development" : kiln) + ", spark "
        + org.apache.spark.package$.MODULE$.SPARK_VERSION();
  }
}

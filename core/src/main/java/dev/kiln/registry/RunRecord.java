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
 */
public record RunRecord(String runId, String pipeline, Status status, Instant startedAt, Optional<Instant> endedAt,
    String configHash, Optional<String> model, Map<String, Double> metrics, Map<String, Long> ledger,
    Optional<String> error, String codeVersion) {

  public enum Status { RUNNING, SUCCEEDED, FAILED }

  public static RunRecord started(String runId, String pipeline, String configHash) {
    return new RunRecord(runId, pipeline, Status.RUNNING, Instant.now(), Optional.empty(), configHash,
        Optional.empty(), Map.of(), Map.of(), Optional.empty(), currentCodeVersion());
  }

  public RunRecord succeeded(ModelVersion version) {
    return new RunRecord(runId, pipeline, Status.SUCCEEDED, startedAt, Optional.of(Instant.now()), configHash,
        Optional.of(version.ref()), version.metrics(), version.ledger(), Optional.empty(), codeVersion);
  }

  public RunRecord failed(String why) {
    return new RunRecord(runId, pipeline, Status.FAILED, startedAt, Optional.of(Instant.now()), configHash,
        Optional.empty(), Map.of(), Map.of(), Optional.of(why), codeVersion);
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

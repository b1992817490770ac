package dev.kiln.bench;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig;
import dev.kiln.config.PipelineConfigParser;
import dev.kiln.errors.ConfigProblem;
import dev.kiln.pipeline.RowLedger;
import dev.kiln.pipeline.RunLineage;
import dev.kiln.pipeline.TrainingLoop;
import dev.kiln.train.ModelTrainer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * One fit of one tool: its training time and held-out metrics (by Kiln's names: {@code auc_roc}, {@code r2}, ...).
 * The time is the fit alone, as each tool's users would call it, with the training rows already in memory: Kiln's
 * {@link ModelTrainer#fit} (feature stages and model, one Spark ML pipeline) on rows {@link TrainingLoop#prepare}
 * has partitioned, cached and counted; scikit-learn's {@code Pipeline.fit} on the CSV pandas has read.
 *
 * @param trainRows the rows the tool fitted on
 * @param testRows the rows the tool was measured on
 */
record PeerFit(double seconds, Map<String, Double> metrics, long trainRows, long testRows) {

  private static final ObjectMapper JSON = new ObjectMapper();

  PeerFit {
    metrics = Map.copyOf(metrics);
  }

  double metric(PeerModel model) {
    Double value = metrics.get(model.metric());
    if (value == null) {
      throw new IllegalStateException("no " + model.metric() + " among the metrics " + metrics);
    }
    return value;
  }

  /** The metrics a progress line shows, in a fixed order. */
  String describeMetrics() {
    return metrics.entrySet().stream().filter(e -> !e.getKey().endsWith("_rows") && !e.getKey().contains("."))
        .sorted(Map.Entry.comparingByKey())
        .map(e -> String.format(Locale.ROOT, "%s %.4f", e.getKey(), e.getValue()))
        .collect(Collectors.joining(", "));
  }

  /**
   * Kiln's side: the pair's config (its {@code features} and {@code model} sections, {@code spark.partitions} =
   * {@code cores}), the training rows prepared and cached untimed, then {@link ModelTrainer#fit} timed, then
   * {@link TrainingLoop#evaluation} on the held-out rows.
   */
  static PeerFit kiln(SparkSession spark, PeerModel model, PeerData.Table table, int cores, Path warehouse) {
    PipelineConfig config = config(model, table, cores, warehouse);
    TrainingLoop loop = new TrainingLoop(spark, config, TrainingLoop.Progress.silent());
    Dataset<Row> rows = spark.read().parquet(PeerData.uri(table.trainParquet()));
    TrainingLoop.Prepared prepared = loop.prepare(rows, new RunLineage(PeerData.uri(table.trainParquet()),
        "parquet", Optional.empty(), "all", "none", Map.of()), new RowLedger());
    try {
      long trainRows = prepared.ledger().get(RowLedger.USABLE);
      ModelTrainer trainer = new ModelTrainer(config.features(), config.model(), config.clean().canonicalize(),
          prepared.task());
      long start = System.nanoTime();
      PipelineModel fitted = trainer.fit(prepared.rows());
      double seconds = (System.nanoTime() - start) / 1e9;
      String label = model.label();
      Dataset<Row> test = spark.read().parquet(PeerData.uri(table.testParquet()))
          .withColumn(label, col(label).cast("double"));
      Map<String, Double> metrics = loop.evaluation(fitted, test, prepared.task()).metrics();
      return new PeerFit(seconds, metrics, trainRows, Math.round(metrics.getOrDefault("test_rows", -1.0)));
    } finally {
      prepared.rows().unpersist();
    }
  }

  /** The pipeline config of Kiln's side, from HOCON through Kiln's own parser. */
  static PipelineConfig config(PeerModel model, PeerData.Table table, int cores, Path warehouse) {
    String text = String.format(Locale.ROOT, """
        warehouse = "%s"
        pipeline.name = "peer-%s"
        source { format = parquet, path = "%s" }
        spark.partitions = %d
        %s""", PeerData.uri(warehouse), model.key(), PeerData.uri(table.trainParquet()), cores,
        model.kilnConfig(table.trainRows()));
    PipelineConfigParser.Result parsed = PipelineConfigParser.parse(ConfigLayers.loadRecorded(text,
        "the peer comparison's " + model.key() + " config", Map.of(), List.of()));
    if (!parsed.ok()) {
      throw new IllegalStateException("the benchmark's config for " + model.key() + " is wrong: "
          + parsed.problems().stream().map(ConfigProblem::toString).collect(Collectors.joining("; ")));
    }
    return parsed.config();
  }

  /**
   * scikit-learn's side: {@code sklearn_peer.py} in its own process on the pair's CSV files, with {@code threads}
   * threads; it prints one JSON object, the last line of its output.
   *
   * @throws IllegalStateException when it fails or prints no such line
   */
  static PeerFit sklearn(String python, Path script, PeerModel model, PeerData.Table table, int threads) {
    List<String> command = new ArrayList<>(List.of(python, script.toString(), "--train", table.trainCsv().toString(),
        "--test", table.testCsv().toString()));
    command.addAll(model.sklearnArguments(threads));
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    String output;
    int status;
    try {
      Process process = builder.start();
      try (InputStream out = process.getInputStream()) {
        output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
      }
      status = process.waitFor();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while scikit-learn was fitting", e);
    }
    if (status != 0) {
      throw new IllegalStateException("scikit-learn's side exited " + status + ": " + String.join(" ", command)
          + (output.isBlank() ? "" : "\n" + output.strip()));
    }
    return parse(output);
  }

  /** The peer's answer: the last non-empty line of its output, one JSON object. */
  static PeerFit parse(String output) {
    String[] lines = output.strip().split("\n");
    String last = lines[lines.length - 1].strip();
    try {
      JsonNode json = JSON.readTree(last);
      if (json == null || !json.isObject() || !json.path("fit_seconds").isNumber() || !json.path("metrics")
          .isObject()) {
        throw new IOException("not the peer's JSON object");
      }
      Map<String, Double> metrics = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = json.get("metrics").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        metrics.put(e.getKey(), e.getValue().asDouble());
      }
      return new PeerFit(json.get("fit_seconds").asDouble(), metrics, json.path("train_rows").asLong(-1),
          json.path("test_rows").asLong(-1));
    } catch (IOException e) {
      throw new IllegalStateException("scikit-learn's side printed no result (" + e.getMessage() + "): " + last, e);
    }
  }
}

package dev.kiln.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.jobs.cli.KilnCli;
import dev.kiln.monitor.AvroPredictionLog;
import dev.kiln.monitor.PredictionRecord;
import dev.kiln.score.InputField;
import dev.kiln.score.InputField.FieldType;
import dev.kiln.score.ModelSignature;
import dev.kiln.testing.SharedSpark;
import dev.kiln.testing.TestStorage;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The prediction log on the remote stores (an S3 bucket through {@code s3a://}, and HDFS): several threads append
 * through {@link AvroPredictionLog} straight to the store, then {@code kiln ingest-predictions} runs through the CLI
 * entry point, twice, then once more after a new model version logged a file with one more input.
 */
class PredictionLogStoragesIT extends OnRemoteStorages {

  static final ModelSignature V1 = new ModelSignature(List.of(
      new InputField("country", FieldType.STRING, true),
      new InputField("tenure_months", FieldType.INTEGER, true),
      new InputField("signup_date", FieldType.DATE, true)),
      List.of("prediction", "probability", "predicted_label"));

  @ParameterizedTest(name = "{0}")
  @MethodSource("storages")
  void aLogWrittenToTheStoreIsIngestedExactlyOnceThroughTheCli(TestStorage storage) throws Exception {
    String root = storage.uri("prediction-log");
    Configuration hadoop = hadoopConf(storage);
    int threads = 3;
    int each = 200;
    AvroPredictionLog log = new AvroPredictionLog(root, "churn", 1, V1, hadoop,
        AvroPredictionLog.Settings.defaults().withMaxFileBytes(4096));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> appenders = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        appenders.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            log.append(record("t" + thread + "-" + i, 1, i, Map.of()));
          }
        }));
      }
      for (Future<?> appender : appenders) {
        appender.get();
      }
    } finally {
      pool.shutdownNow();
      log.close();
    }
    assertEquals(threads * each, log.written());
    assertEquals(0, log.dropped() + log.failed() + log.rejected());
    long files = log.filesWritten();
    assertTrue(files > 1, files + " files");
    List<String> names = names(root, hadoop);
    assertEquals(files, names.size(), names.toString());
    assertTrue(names.stream().allMatch(n -> n.matches("churn/version=1/date=2026-11-22/part-[^/]+\\.avro")),
        "complete files only, nothing hidden left behind: " + names);

    Path conf = dir.resolve("monitoring-" + storage.name() + ".conf");
    Files.writeString(conf, "warehouse = \"" + storage.uri("kiln") + "\"\n" + storage.confBlock());
    String table = storage.uri("kiln/predictions/churn");
    String[] ingest = {"ingest-predictions", "--log-root", root, "--model", "churn", "--config", conf.toString()};

    KilnCli.Outcome first = KilnCli.run(storage.environment(), ingest);
    assertEquals(0, first.exitCode(), first.toString());
    assertTrue(first.out().startsWith("kiln ingest-predictions churn: " + files + " files read (0 ingested before), "
        + "600 rows inserted, 0 already present -> " + table + " ("), first.out());
    KilnCli.Outcome second = KilnCli.run(storage.environment(), ingest);
    assertEquals(0, second.exitCode(), second.toString());
    assertTrue(second.out().startsWith("kiln ingest-predictions churn: 0 files read (" + files + " ingested "
        + "before), 0 rows inserted, 0 already present"), second.out());

    // Version 2 asks for one more input; its file arrives after the runs above.
    List<InputField> more = new ArrayList<>(V1.inputs());
    more.add(new InputField("plan", FieldType.STRING, true));
    try (AvroPredictionLog v2 = new AvroPredictionLog(root, "churn", 2, new ModelSignature(more, V1.outputs()),
        hadoop)) {
      for (int i = 0; i < 50; i++) {
        v2.append(record("v2-" + i, 2, i, Map.of("plan", "gold")));
      }
    }
    KilnCli.Outcome third = KilnCli.run(storage.environment(), ingest);
    assertEquals(0, third.exitCode(), third.toString());
    assertTrue(third.out().startsWith("kiln ingest-predictions churn: 1 file read (" + files + " ingested before), "
        + "50 rows inserted, 0 already present"), third.out());

    Dataset<Row> rows = SharedSpark.session().read().format("delta").load(table);
    assertEquals(650, rows.count());
    assertEquals(650, rows.select("request_id").distinct().count());
    assertEquals(50, rows.where("inputs.plan = 'gold' AND model_version = 2").count());
    assertEquals(600, rows.where("inputs.plan IS NULL AND model_version = 1").count());
    String printed = first + second.toString() + third;
    storage.environment().values().forEach(secret -> assertFalse(printed.contains(secret),
        "a secret appears in the output"));
  }

  private static PredictionRecord record(String id, long version, int i, Map<String, Object> extra) {
    Map<String, Object> inputs = new HashMap<>(extra);
    inputs.put("country", i % 2 == 0 ? "DE" : "FR");
    inputs.put("tenure_months", i);
    inputs.put("signup_date", java.time.LocalDate.parse("2024-02-29"));
    return new PredictionRecord(id, Instant.parse("2026-11-22T09:00:00Z").plusMillis(i), "churn", version, inputs,
        Map.of("prediction", 1.0, "probability", new double[] {0.3, 0.7}, "predicted_label", "yes"), 250);
  }

  /** The storage's {@code spark.hadoop.*} settings as the Hadoop configuration a serving process would build. */
  private static Configuration hadoopConf(TestStorage storage) {
    Configuration conf = new Configuration();
    storage.sparkConf().forEach((key, value) -> {
      if (key.startsWith("spark.hadoop.")) {
        conf.set(key.substring("spark.hadoop.".length()), value);
      }
    });
    return conf;
  }

  /** Every file under the root, relative to it. */
  private static List<String> names(String root, Configuration conf) throws IOException {
    List<String> names = new ArrayList<>();
    FileSystem fs = FileSystem.get(URI.create(root), conf);
    String base = fs.makeQualified(new org.apache.hadoop.fs.Path(root)).toUri().getPath();
    RemoteIterator<LocatedFileStatus> files = fs.listFiles(new org.apache.hadoop.fs.Path(root), true);
    while (files.hasNext()) {
      names.add(files.next().getPath().toUri().getPath().substring(base.length() + 1));
    }
    return names;
  }
}

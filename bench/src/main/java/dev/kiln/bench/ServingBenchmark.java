package dev.kiln.bench;

import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig;
import dev.kiln.pipeline.Preflight;
import dev.kiln.pipeline.TrainingLoop;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelArtifacts;
import dev.kiln.registry.ModelVersion;
import dev.kiln.score.InputField;
import dev.kiln.score.PipelineScorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Serving latency (issue 7): one typical pipeline — median imputation, indexers, one-hot, assembler, standard scaling,
 * GBT of 100 trees — trained and registered by Kiln's own loop on generated churn data, then scored three ways on the
 * same held-out records: in process by the row scorer (rows per second on one thread), over HTTP by {@code kiln serve}
 * in its own JVM under a constant-rate load from another JVM ({@link HttpLoadGenerator}), and one record at a time
 * through a local SparkSession ({@code PipelineModel.transform}), the path the row scorer replaces.
 */
public final class ServingBenchmark {

  private ServingBenchmark() {}

  public static void main(String[] args) throws Exception {
    ServingOptions options;
    try {
      options = ServingOptions.parse(args);
    } catch (ServingOptions.HelpRequested e) {
      System.out.println(ServingOptions.USAGE);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(ServingOptions.USAGE);
      System.exit(2);
      return;
    }
    String started = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
    Progress progress = new Progress();
    Path work = Files.createDirectories(options.work());
    deleteRecursively(work.resolve("warehouse"));  // each run trains and registers afresh: version 1, every time
    SparkSession spark = SparkSession.builder().appName("kiln-serving-benchmark").master("local[2]")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.shuffle.partitions", "4").config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false").getOrCreate();
    ServingResults results;
    try {
      PipelineConfig config = config(work, options.trainRows());
      progress.say("training the typical pipeline on %,d generated rows (GBT, 100 trees)...", options.trainRows());
      DeltaRegistry registry = new DeltaRegistry(spark, config.registry().root());
      ModelVersion version = new TrainingLoop(spark, config, TrainingLoop.Progress.silent()).run(registry);
      registry.setAlias(version.name(), "champion", version.version(), "serving benchmark");
      progress.say("registered %s (%s)", version.ref(), version.metrics().entrySet().stream()
          .filter(e -> e.getKey().equals("auc_roc")).map(e -> e.getKey() + " " + e.getValue()).findFirst()
          .orElse(""));
      PipelineScorer scorer = PipelineScorer.load(version);
      List<Map<String, Object>> records = records(spark, scorer, options.records());
      progress.say("%,d held-out records; stages: %s", records.size(),
          String.join(", ", stageNames(ModelArtifacts.load(version))));

      results = new ServingResults(started, SamplingBenchmark.machine());
      results.inProcess(InProcessScoring.measure(scorer, records, options.runs(), progress));
      results.spark(SparkPathScoring.measure(spark, ModelArtifacts.load(version), scorer, records,
          options.sparkRecords(), progress));
      if (options.http()) {
        results.http(HttpScoring.measure(work, config, version, records, options, progress));
      }
    } finally {
      spark.stop();
    }
    System.out.println();
    System.out.print(results.markdown());
    System.exit(results.allTargetsMet() ? 0 : 1);
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (Files.exists(path)) {
      try (var walk = Files.walk(path)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  static List<String> stageNames(PipelineModel model) {
    return java.util.Arrays.stream(model.stages()).map(s -> s.getClass().getSimpleName()).toList();
  }

  static PipelineConfig config(Path work, long rows) throws IOException {
    Path file = work.resolve("serving-bench.conf");
    Files.writeString(file, """
        warehouse = "%s"
        pipeline.name = serving-bench
        source { format = generated, generated { rows = %d, seed = 7 } }
        features {
          label = churned
          numeric = [tenure_months, monthly_charges, total_charges, support_calls, age]
          categorical = [country, plan, contract, payment_method]
          impute = median
          scale = standard
        }
        model { algorithm = gbt, params { maxIter = 100, maxDepth = 5, stepSize = 0.1, seed = 7 } }
        spark.partitions = 4
        """.formatted(work.resolve("warehouse"), rows));
    return Preflight.check(ConfigLayers.load(file, Map.of(), List.of()), new Configuration());
  }

  /** Records as a client would send them: the signature's fields of generated rows the model did not train on. */
  static List<Map<String, Object>> records(SparkSession spark, PipelineScorer scorer, int count) {
    List<String> fields = scorer.inputs().stream().map(InputField::name).toList();
    Dataset<Row> rows = new dev.kiln.generate.ChurnDataGenerator(
        dev.kiln.generate.ChurnDataGenerator.Spec.of(count, 99)).generate(spark, 2);
    List<Map<String, Object>> records = new ArrayList<>();
    for (Row row : rows.selectExpr(fields.stream().map(f -> "`" + f + "`").toArray(String[]::new))
        .collectAsList()) {
      Map<String, Object> record = new HashMap<>();
      for (int i = 0; i < fields.size(); i++) {
        Object value = row.get(i);
        record.put(fields.get(i), value instanceof Timestamp t ? t.toInstant() : value);
      }
      records.add(record);
    }
    return records;
  }

  /** One record as a one-row DataFrame of the signature's schema. */
  static Dataset<Row> oneRow(SparkSession spark, StructType schema, Map<String, Object> record) {
    Object[] values = new Object[schema.size()];
    for (int i = 0; i < values.length; i++) {
      Object value = record.get(schema.fields()[i].name());
      values[i] = value instanceof java.time.Instant instant ? Timestamp.from(instant) : value;
    }
    return spark.createDataFrame(List.of(RowFactory.create(values)), schema);
  }

  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}

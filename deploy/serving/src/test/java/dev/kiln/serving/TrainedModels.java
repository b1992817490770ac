package dev.kiln.serving;

import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig;
import dev.kiln.generate.ChurnDataGenerator;
import dev.kiln.pipeline.Preflight;
import dev.kiln.pipeline.TrainingLoop;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelArtifacts;
import dev.kiln.registry.ModelVersion;
import dev.kiln.score.InputField;
import dev.kiln.score.ModelSignature;
import dev.kiln.testing.SharedSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Two versions of one real model, trained by Kiln's loop on generated churn data and registered in a Delta registry,
 * once per test JVM (training is the slow part): logistic regressions that differ in regularisation, so their answers
 * differ. Also records to send (generated rows the models never saw, nulls included) and what Spark's own
 * {@code PipelineModel.transform} answers for each record under each version.
 */
final class TrainedModels {

  static final String NAME = "churn-serving";
  private static TrainedModels shared;

  final DeltaRegistry registry;
  final ModelVersion first;
  final ModelVersion second;
  final List<InputField> inputs;
  /** Records as a client sends them: field name to a JSON-able value, in signature order. */
  final List<Map<String, Object>> records;
  /** Spark's answer per version and record: {prediction, probability of class 1}. */
  private final Map<Long, List<double[]>> expected = new HashMap<>();

  private TrainedModels(SparkSession spark, Path dir) throws IOException {
    registry = new DeltaRegistry(spark, "file:" + dir.resolve("warehouse/registry"));
    first = train(spark, dir, "0.0");
    second = train(spark, dir, "0.3");
    registry.setAlias(NAME, "champion", first.version(), "first");
    inputs = ModelSignature.parse(first.signature()).inputs();

    Dataset<Row> unseen = new ChurnDataGenerator(ChurnDataGenerator.Spec.of(1000, 99)).generate(spark, 1)
        .select(inputs.stream().map(f -> new Column(f.name())).toArray(Column[]::new)).limit(60).cache();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Row row : unseen.collectAsList()) {
      Map<String, Object> record = new LinkedHashMap<>();
      for (int i = 0; i < inputs.size(); i++) {
        record.put(inputs.get(i).name(), row.isNullAt(i) ? null : row.get(i));
      }
      rows.add(record);
    }
    records = List.copyOf(rows);
    for (ModelVersion version : List.of(first, second)) {
      List<double[]> answers = new ArrayList<>();
      for (Row row : ModelArtifacts.load(version).transform(unseen).select("prediction", "probability")
          .collectAsList()) {
        answers.add(new double[] {row.getDouble(0), ((Vector) row.get(1)).apply(1)});
      }
      expected.put(version.version(), answers);
    }
  }

  static synchronized TrainedModels get() {
    if (shared == null) {
      try {
        shared = new TrainedModels(SharedSpark.session(), Files.createTempDirectory("kiln-serving-models"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return shared;
  }

  /** Spark's {prediction, P(class 1)} for record {@code index} under {@code version}. */
  double[] expected(long version, int index) {
    return expected.get(version).get(index);
  }

  private ModelVersion train(SparkSession spark, Path dir, String regParam) throws IOException {
    Path file = dir.resolve("churn-" + regParam + ".conf");
    Files.writeString(file, """
        warehouse = "%s"
        pipeline.name = %s
        source { format = generated, generated { rows = 3000, seed = 3 } }
        features {
          label = churned
          numeric = [tenure_months, monthly_charges, total_charges, support_calls, age]
          categorical = [country, plan, contract, payment_method]
        }
        model { algorithm = logistic-regression, params { maxIter = 30, regParam = %s } }
        spark.partitions = 2
        """.formatted(dir.resolve("warehouse"), NAME, regParam));
    PipelineConfig config = Preflight.check(ConfigLayers.load(file, Map.of(), List.of()), new Configuration());
    return new TrainingLoop(spark, config, (step, detail) -> {}).run(registry);
  }
}

package dev.kiln.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig;
import dev.kiln.feature.DateParts;
import dev.kiln.feature.FrequencyEncoderModel;
import dev.kiln.generate.ChurnDataGenerator;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelVersion;
import dev.kiln.testing.UsesSpark;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The declarative features example (conf/examples/features.conf) through the whole loop, on a smaller table. */
@UsesSpark
class FeatureExampleLoopTest {

  @TempDir
  Path dir;

  @Test
  void theExampleTrainsRegistersAndScoresRawRows(SparkSession spark) {
    Path example = Path.of(System.getProperty("kiln.repo", ".."), "conf", "examples", "features.conf");
    PipelineConfig config = Preflight.check(ConfigLayers.load(example, Map.of(), List.of(
        "warehouse=" + dir.resolve("warehouse"), "source.generated.rows=6000", "spark.partitions=3")),
        new Configuration());
    assertEquals(List.of("tenure_months", "monthly_charges", "support_calls", "age", "plan", "contract", "country",
        "payment_method", "signup_date", "total_charges", "churned"), config.features().allColumns());

    ModelVersion version = new TrainingLoop(spark, config, (step, detail) -> { })
        .run(new DeltaRegistry(spark, config.registry().root()));
    assertTrue(version.metrics().get("auc_roc") > 0.7, "the label has signal: " + version.metrics());
    assertTrue(version.signature().contains("\"signup_date\""), "the input signature: " + version.signature());
    assertTrue(!version.signature().contains("charge_per_month"), "a derived column is no input");

    PipelineModel saved = PipelineModel.load(version.artifactUri());
    assertTrue(Arrays.stream(saved.stages()).anyMatch(DateParts.class::isInstance));
    FrequencyEncoderModel frequencies = (FrequencyEncoderModel) Arrays.stream(saved.stages())
        .filter(FrequencyEncoderModel.class::isInstance).findFirst().orElseThrow();
    double shares = frequencies.frequencies().get("payment_method").values().stream()
        .mapToDouble(Double::doubleValue).sum();
    assertTrue(shares > 0.9 && shares < 1.0, "shares of the training rows; the rest had no payment method (the "
        + "generator leaves some out): " + shares);
    long scored = saved.transform(new ChurnDataGenerator(ChurnDataGenerator.Spec.of(1000, 99)).generate(spark, 1))
        .filter("prediction IS NOT NULL").count();
    assertEquals(1000, scored);
  }
}

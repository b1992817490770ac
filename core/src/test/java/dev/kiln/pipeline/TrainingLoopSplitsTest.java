package dev.kiln.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelVersion;
import dev.kiln.testing.UsesSpark;
import dev.kiln.train.Split;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The configured split is the one the loop trains with, its decisions reach the lineage, and its errors name keys. */
@UsesSpark
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainingLoopSplitsTest {

  private Path dir;
  private String data;

  /** 2,000 orders over 100 days; the later ones are likelier to be returned (a drift a time split should see). */
  @BeforeAll
  void orders(SparkSession spark, @TempDir Path dir) {
    this.dir = dir;
    this.data = dir.resolve("orders").toUri().toString();
    spark.range(2_000).selectExpr("id",
            "date_add(date'2024-03-01', cast(id % 100 as int)) as ordered",
            "cast(date_add(date'2024-03-01', cast(id % 100 as int)) as string) as ordered_text",
            "(id * 37 % 1000) / 10.0 as amount",
            "cast((id * 37 % 1000) / 10.0 + (id % 100) / 4.0 > 60 as int) as returned")
        .write().parquet(data);
  }

  private PipelineConfig config(String name, String evaluation) throws IOException {
    Path file = dir.resolve(name + ".conf");
    Files.writeString(file, """
        warehouse = "%s"
        pipeline.name = %s
        source { format = parquet, path = "%s" }
        features { label = returned, numeric = [amount] }
        model.params.maxIter = 20
        spark.partitions = 2
        evaluation { %s }
        """.formatted(dir.resolve("warehouse"), name, data, evaluation));
    return Preflight.check(ConfigLayers.load(file, Map.of(), List.of()), new Configuration());
  }

  @Test
  void aTimeSplitTrainsOnThePastAndRecordsItsCutoff(SparkSession spark) throws IOException {
    PipelineConfig config = config("by-time", "split = time, time-column = ordered, test-from = \"2024-05-20\"");
    ModelVersion version = new TrainingLoop(spark, config, TrainingLoop.Progress.silent())
        .run(new DeltaRegistry(spark, config.registry().root()));
    // Days 80 to 99 of 100 (2024-05-20 onwards): 20 of every 100 ids.
    assertEquals(400L, version.ledger().get(RowLedger.TEST));
    assertEquals(1600L, version.ledger().get(RowLedger.TRAIN));
    assertEquals("time: ordered from 2024-05-20T00:00:00Z is test", version.lineage().split());
  }

  @Test
  void aStratifiedSplitHoldsOutEachClassExactly(SparkSession spark) throws IOException {
    PipelineConfig config = config("stratified", "split = stratified, test-fraction = 0.3");
    TrainingLoop loop = new TrainingLoop(spark, config, TrainingLoop.Progress.silent());
    ModelVersion version = loop.run(new DeltaRegistry(spark, config.registry().root()));
    long returned = spark.read().parquet(data).filter("returned = 1").count();
    Split split = loop.split();
    assertTrue(split.describe().startsWith("stratified by returned, hash of all columns, seed 42, test fraction 0.3; "
        + "held out per class: 0 " + Math.round(0.3 * (2000 - returned)) + "/" + (2000 - returned) + ", 1 "
        + Math.round(0.3 * returned) + "/" + returned), split.describe());
    assertEquals(split.describe(), version.lineage().split());
    assertEquals(600L, version.ledger().get(RowLedger.TEST), 1);
  }

  @Test
  void aTimeColumnThatIsNotADateIsAConfigErrorNamingTheKey(SparkSession spark) throws IOException {
    InvalidConfigException missing = assertThrows(InvalidConfigException.class,
        () -> config("missing", "split = time, time-column = shipped"));
    assertTrue(missing.getMessage().contains("evaluation.time-column: column 'shipped' is not in the source"),
        missing.getMessage());

    PipelineConfig text = config("text", "split = time, time-column = ordered_text");
    InvalidConfigException notADate = assertThrows(InvalidConfigException.class,
        () -> new TrainingLoop(spark, text, TrainingLoop.Progress.silent()).train());
    assertTrue(notADate.getMessage().contains("evaluation.time-column: column 'ordered_text' is string; a time "
        + "split needs a date or timestamp column"), notADate.getMessage());
  }
}

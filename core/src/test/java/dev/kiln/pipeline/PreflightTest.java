package dev.kiln.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.testing.UsesSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UsesSpark
class PreflightTest {

  @TempDir
  Path dir;

  @Test
  void columnsTheSourceLacksAreNamedWithTheKeyThatAskedForThem(SparkSession spark) throws IOException {
    String table = "file:" + dir.resolve("customers");
    spark.sql("select 1 as id, 2.0D as amount, 'x' as country, 0 as churned").write().parquet(table);
    Path file = write("""
        source { format = parquet, path = "%s" }
        features { label = churn, numeric = [amount, age], categorical = [country] }
        clean.dedup { key = [customer_id], latest-by = id }
        model.params { maxIter = 3 }
        """.formatted(table));
    InvalidConfigException e = assertThrows(InvalidConfigException.class,
        () -> Preflight.check(ConfigLayers.load(file, Map.of(), List.of()), new Configuration()));
    String all = e.getMessage();
    assertEquals(3, e.problems().size(), all);
    assertTrue(all.contains(file + ":2: features.label: column 'churn' is not in the source"), all);
    assertTrue(all.contains(file + ":2: features.numeric: column 'age' is not in the source"), all);
    assertTrue(all.contains(file + ":3: clean.dedup.key: column 'customer_id'"), all);
    assertTrue(all.contains("(its columns: id, amount, country, churned)"), all);
  }

  @Test
  void declarativeFeaturesNeedTheirInputsAndNewNames(SparkSession spark) throws IOException {
    String table = "file:" + dir.resolve("shop");
    spark.sql("select 1 as id, 2.0D as amount, 'x' as city, 0 as churned").write().parquet(table);
    Path file = write("""
        source { format = parquet, path = "%s" }
        features { label = churned, numeric = [amount], frequency-encoded = [town] }
        features.derived { amount_per_day = "amount / days", id = "amount * 2" }
        """.formatted(table));
    InvalidConfigException e = assertThrows(InvalidConfigException.class,
        () -> Preflight.check(ConfigLayers.load(file, Map.of(), List.of()), new Configuration()));
    String all = e.getMessage();
    assertEquals(3, e.problems().size(), all);
    assertTrue(all.contains(file + ":2: features.frequency-encoded: column 'town' is not in the source"), all);
    assertTrue(all.contains(file + ":3: features.derived: column 'days' is not in the source"), all);
    assertTrue(all.contains(file + ":3: features.derived.id: 'id' is already a column of the source (" + table
        + "): a derived column needs a new name"), all);
  }

  @Test
  void aMissingSourceAndBadParamsAreReportedWithStructuralProblems() throws IOException {
    Path file = write("""
        source { format = delta, path = "%s" }
        features { label = churned, numeric = [a] }
        model { algorithm = gbt, params { maxDepth = deep } }
        sample.fraction = none
        """.formatted(dir.resolve("nowhere")));
    InvalidConfigException e = assertThrows(InvalidConfigException.class,
        () -> Preflight.check(ConfigLayers.load(file, Map.of(), List.of()), new Configuration()));
    String all = e.getMessage();
    assertEquals(3, e.problems().size(), all);
    assertTrue(all.contains(file + ":1: source.path: no delta data at file:" + dir.resolve("nowhere")), all);
    assertTrue(all.contains(file + ":3: model.params.maxDepth: 'deep' is not valid"), all);
    assertTrue(all.contains(file + ":4: sample.fraction: expected a number but found 'none'"), all);
  }

  @Test
  void anAlgorithmThatCannotLearnTheConfiguredTaskIsCaughtBeforeAnyWork() throws IOException {
    Path file = write("""
        source.format = generated
        features { label = churned, numeric = [age], categorical = [country] }
        model { task = multiclass, algorithm = gbt, hidden-layers = [4] }
        model.tuning { method = grid, grid.maxDepth = [2, 4], metric = rmse }
        """);
    InvalidConfigException e = assertThrows(InvalidConfigException.class,
        () -> Preflight.check(ConfigLayers.load(file, Map.of(), List.of()), new Configuration()));
    String all = e.getMessage();
    assertEquals(3, e.problems().size(), all);
    assertTrue(all.contains(file + ":3: model.algorithm: model.algorithm = gbt cannot learn a multiclass task; it "
        + "serves binary, regression (MLlib's GBTClassifier is binary only"), all);
    assertTrue(all.contains(file + ":3: model.hidden-layers: applies to model.algorithm = mlp only, not gbt"), all);
    assertTrue(all.contains(file + ":4: model.tuning.metric: 'rmse' does not measure a multiclass task"), all);
  }

  @Test
  void nativeCategoriesForALinearModelAreCaughtBeforeAnyWork() throws IOException {
    Path file = write("""
        source.format = generated
        features { label = churned, numeric = [age], categorical = [country], categorical-encoding = native }
        model { task = binary, algorithm = logistic-regression }
        """);
    InvalidConfigException e = assertThrows(InvalidConfigException.class,
        () -> Preflight.check(ConfigLayers.load(file, Map.of(), List.of()), new Configuration()));
    assertEquals(List.of(file + ":2: features.categorical-encoding: native applies to decision-tree, random-forest, "
        + "gbt, xgboost and lightgbm, which split on sets of categories; logistic-regression would read a category's "
        + "index as a number: use one-hot"), e.problems().stream().map(p -> p.origin() + ": " + p.key() + ": " + p.message())
        .toList());
  }

  @Test
  void aGoodConfigPasses() throws IOException {
    Path file = write("""
        source.format = generated
        features { label = churned, numeric = [age], categorical = [country] }
        """);
    PipelineConfig config = Preflight.check(ConfigLayers.load(file, Map.of(), List.of()), new Configuration());
    assertEquals("generated", config.source().format());
  }

  private Path write(String text) throws IOException {
    Path file = dir.resolve("pipeline.conf");
    Files.writeString(file, text);
    return file;
  }
}

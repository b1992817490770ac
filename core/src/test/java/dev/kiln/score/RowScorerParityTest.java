package dev.kiln.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.microsoft.azure.synapse.ml.lightgbm.params.LightGBMModelParams;
import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig;
import dev.kiln.config.PipelineConfigParser;
import dev.kiln.testing.UsesSpark;
import dev.kiln.train.ModelTrainer;
import dev.kiln.train.Task;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The row scorer's promise: for every stage it evaluates, on a whole held-out set, its predictions, probabilities and
 * predicted labels equal Spark's {@code transform} of the same saved-and-loaded pipeline within 1e-9. The pipelines
 * are the ones Kiln's trainer builds from feature configs (so the stages and their settings are those a user gets),
 * over messy generated rows: nulls in every input, outliers, unseen categories, spelling variants. The last check
 * makes the case list complete: every stage class the scorer supports appeared in some case.
 */
@UsesSpark
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RowScorerParityTest {

  private static final double TOLERANCE = 1e-9;

  /** Rich features: canonicalised city, derived ratio, dates, log, IQR clipping, grouped imputation, standard scale. */
  private static final String RICH = """
      numeric = [age, income, score], categorical = [city, plan], frequency-encoded = [channel]
      impute = mean, impute-by = [channel], missing-indicators = true, impute-categorical = mode
      outliers { method = iqr, action = clip }
      scale = standard, log = [income]
      derived { ratio = "income / (coalesce(age, 30) + 1)" }
      dates { signup { parts = [year, month, day-of-month, weekday, hour], days-since = "2020-01-01" } }
      """;
  /** Spark's Imputer (median), min-max scaling, fixed buckets and quantile bins. */
  private static final String BINNED = """
      numeric = [age, income, score], categorical = [city, plan]
      impute = median, scale = min-max
      bucketize { score = [-0.5, 0.0, 0.5] }
      quantile-bins { income = 4 }
      """;
  /** Robust scaling, outliers flagged by z-score. */
  private static final String ROBUST = """
      numeric = [age, income, score], categorical = [plan, channel]
      impute = median, scale = robust
      outliers { method = zscore, action = flag }
      """;
  /** Categories as native slots, for the tree models. */
  private static final String NATIVE = """
      numeric = [age, income, score], categorical = [city, plan, channel], categorical-encoding = native
      impute = mean
      """;

  /** Text (tokens, hashed terms, IDF) and univariate selection. */
  private static final String TEXT_SELECTED = """
      numeric = [score], categorical = [plan], text { note { num-features = 64 } }
      selection { method = univariate, mode = num-top-features, threshold = 12 }
      """;
  /** Text and the variance selector. */
  private static final String TEXT_VARIANCE = """
      numeric = [age, income, score], text { note { num-features = 32 } }
      selection { method = variance, threshold = 0.0 }
      """;

  private final Set<String> stagesSeen = new TreeSet<>();
  private Dataset<Row> train;
  private Dataset<Row> test;

  @BeforeAll
  void rows(SparkSession spark) {
    Dataset<Row> rows = spark.range(1600).selectExpr("id",
            "case when pmod(hash(id, 1), 17) = 0 then null else cast(18 + pmod(hash(id, 2), 60) as int) end as age",
            "case when pmod(hash(id, 3), 19) = 0 then null when pmod(hash(id, 4), 41) = 0 then 1000000.0D "
                + "else 1000 + pmod(hash(id, 5), 9000) * 1.0D end as income",
            "(pmod(hash(id, 6), 2000) / 1000.0D) - 1.0D as score",
            "element_at(array(' Paris', 'paris', 'LYON', 'lyon  ', 'Nice', cast(null as string), 'Brest'), "
                + "pmod(hash(id, 7), 7) + 1) as city",
            "element_at(array('basic', 'pro', 'team'), pmod(hash(id, 8), 3) + 1) as plan",
            "element_at(array('web', 'app', 'store', 'phone', cast(null as string)), pmod(hash(id, 9), 5) + 1) "
                + "as channel",
            "case when pmod(hash(id, 10), 23) = 0 then null else "
                + "timestamp_seconds(1500000000 + pmod(hash(id, 11), 200000000)) end as signup",
            "(pmod(hash(id, 12), 2000) / 1000.0D) - 1.0D as noise",
            "case when pmod(hash(id, 13), 11) = 0 then null else concat_ws(' ', "
                + "element_at(array('Great', 'slow', 'billing', 'refund'), pmod(hash(id, 14), 4) + 1), "
                + "element_at(array('service', 'app', 'ERROR', 'thanks!'), pmod(hash(id, 15), 4) + 1), "
                + "element_at(array('', 'very  much', 'again', 'cancel'), pmod(hash(id, 16), 4) + 1)) end as note")
        .selectExpr("*",
            "cast(case when score + case plan when 'pro' then 0.4 else 0 end + 0.3 * noise > 0 then 1 else 0 end "
                + "as double) as churned",
            "case when score + 0.2 * noise < -0.3 then 'low' when score + 0.2 * noise < 0.4 then 'mid' "
                + "else 'high' end as tier",
            "3 * score + coalesce(least(income, 20000.0D), 5000.0D) / 5000 + case plan when 'team' then 1 else 0 end "
                + "+ 0.2 * noise as spend");
    // Brest never appears in training: an unseen category at scoring time.
    train = rows.where("pmod(id, 4) != 0 and coalesce(city, '') != 'Brest'").cache();
    test = rows.where("pmod(id, 4) = 0").cache();
  }

  @AfterAll
  void release() {
    train.unpersist();
    test.unpersist();
  }

  static List<Object[]> cases() {
    List<Object[]> cases = new ArrayList<>();
    cases.add(new Object[] {"binary", "logistic-regression", RICH, Map.of("maxIter", "25")});
    cases.add(new Object[] {"binary", "decision-tree", BINNED, Map.of("maxDepth", "5")});
    cases.add(new Object[] {"binary", "random-forest", ROBUST, Map.of("numTrees", "15", "maxDepth", "5")});
    cases.add(new Object[] {"binary", "gbt", RICH, Map.of("maxIter", "15", "maxDepth", "3")});
    cases.add(new Object[] {"binary", "linear-svm", BINNED, Map.of("maxIter", "20")});
    cases.add(new Object[] {"binary", "naive-bayes", BINNED, Map.of()});
    cases.add(new Object[] {"binary", "mlp", ROBUST, Map.of("maxIter", "30")});
    cases.add(new Object[] {"binary", "xgboost", RICH, Map.of("numRound", "20", "max_depth", "3")});
    cases.add(new Object[] {"binary", "xgboost", NATIVE, Map.of("numRound", "20", "max_depth", "3")});
    cases.add(new Object[] {"binary", "lightgbm", NATIVE, Map.of("numIterations", "20", "numLeaves", "8")});
    cases.add(new Object[] {"binary", "logistic-regression", TEXT_SELECTED, Map.of("maxIter", "25")});
    cases.add(new Object[] {"multiclass", "logistic-regression", RICH, Map.of("maxIter", "25")});
    cases.add(new Object[] {"multiclass", "random-forest", BINNED, Map.of("numTrees", "10")});
    cases.add(new Object[] {"multiclass", "xgboost", NATIVE, Map.of("numRound", "15", "max_depth", "3")});
    cases.add(new Object[] {"multiclass", "lightgbm", NATIVE, Map.of("numIterations", "15", "numLeaves", "8")});
    cases.add(new Object[] {"regression", "linear-regression", RICH, Map.of("maxIter", "25")});
    cases.add(new Object[] {"regression", "decision-tree", ROBUST, Map.of("maxDepth", "6")});
    cases.add(new Object[] {"regression", "linear-regression", TEXT_VARIANCE, Map.of("maxIter", "25")});
    cases.add(new Object[] {"regression", "random-forest", BINNED, Map.of("numTrees", "10")});
    cases.add(new Object[] {"regression", "gbt", BINNED, Map.of("maxIter", "15")});
    cases.add(new Object[] {"regression", "xgboost", NATIVE, Map.of("numRound", "20")});
    cases.add(new Object[] {"regression", "lightgbm", RICH, Map.of("numIterations", "20")});
    return cases;
  }

  @Order(1)
  @ParameterizedTest(name = "{0} {1} {3}")
  @MethodSource("cases")
  void scoresEveryHeldOutRowAsSparkTransformDoes(String task, String algorithm, String features,
      Map<String, String> params, SparkSession spark, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    String label = switch (task) {
      case "binary" -> "churned";
      case "multiclass" -> "tier";
      default -> "spend";
    };
    PipelineConfig config = config(label, task, algorithm, features, params);
    PipelineModel fitted = new ModelTrainer(config.features(), config.model(), config.clean().canonicalize(),
        Task.valueOf(task.toUpperCase())).fit(train);
    fitted.write().overwrite().save(dir.resolve("model").toString());
    PipelineModel model = PipelineModel.load(dir.resolve("model").toString());
    Arrays.stream(model.stages()).map(Transformer::getClass).map(Class::getSimpleName).forEach(stagesSeen::add);

    Dataset<Row> expected = model.transform(test);
    List<String> inputs = new ArrayList<>(config.features().allColumns());
    inputs.remove(label);
    List<String> outputs = new ArrayList<>();
    for (String output : List.of("prediction", "probability", ModelTrainer.PREDICTED_LABEL)) {
      if (Arrays.asList(expected.columns()).contains(output)) {
        outputs.add(output);
      }
    }
    StructType inputSchema = new StructType();
    for (String input : inputs) {
      inputSchema = inputSchema.add(test.schema().apply(input));
    }
    ModelSignature signature = ModelSignature.parse("{\"inputs\":" + inputSchema.json() + ",\"outputs\":"
        + outputsJson(outputs) + "}");
    PipelineScorer scorer = PipelineScorer.compile(model, signature);

    List<String> selected = new ArrayList<>(inputs);
    selected.addAll(outputs);
    List<Row> rows = expected.selectExpr(selected.stream().map(c -> "`" + c + "`").toArray(String[]::new))
        .collectAsList();
    assertEquals(test.count(), rows.size());
    for (Row row : rows) {
      Map<String, Object> record = new HashMap<>();
      for (int i = 0; i < inputs.size(); i++) {
        Object value = row.get(i);
        record.put(inputs.get(i), value instanceof Timestamp t ? t.toInstant() : value);
      }
      Map<String, Object> scored = scorer.score(record);
      for (int o = 0; o < outputs.size(); o++) {
        Object want = row.get(inputs.size() + o);
        Object got = scored.get(outputs.get(o));
        String where = outputs.get(o) + " of " + record;
        if (want instanceof Vector vector) {
          double[] values = (double[]) got;
          assertEquals(vector.size(), values.length, where);
          for (int k = 0; k < values.length; k++) {
            assertEquals(vector.apply(k), values[k], TOLERANCE, where);
          }
        } else if (want instanceof Double number) {
          assertEquals(number, (Double) got, TOLERANCE, where);
        } else {
          assertEquals(want, got, where);
        }
      }
    }
    scorer.close();
    for (Transformer stage : model.stages()) {
      if (stage instanceof LightGBMModelParams lightgbm) {
        assertNull(lightgbm.getLightGBMBooster().boosterHandler().boosterPtr(), "LightGBM's native booster is freed");
      }
    }
  }

  @Test
  @Order(2)
  void everySupportedStageWasCompared() {
    // Runs after the cases (method order) and checks what they recorded.
    if (stagesSeen.isEmpty()) {
      fail("no parity case ran before this check");
    }
    Set<String> missing = new TreeSet<>(StageCompiler.supported());
    missing.removeAll(stagesSeen);
    assertTrue(missing.isEmpty(), "supported but never compared with Spark: " + missing);
  }

  private static String outputsJson(List<String> outputs) {
    StructType schema = new StructType();
    for (String output : outputs) {
      schema = schema.add(output, output.equals(ModelTrainer.PREDICTED_LABEL)
          ? org.apache.spark.sql.types.DataTypes.StringType : org.apache.spark.sql.types.DataTypes.DoubleType);
    }
    return schema.json();
  }

  private static PipelineConfig config(String label, String task, String algorithm, String features,
      Map<String, String> params) {
    StringBuilder text = new StringBuilder("pipeline.name = parity\nsource { format = parquet, path = \"/nowhere\" }\n"
        + "clean.canonicalize { columns = [city], values { city { paris = [\"paname\"] } } }\n"
        + "features {\nlabel = " + label + "\n" + features + "\n}\n"
        + "model { algorithm = " + algorithm + ", task = " + task + ", params {\n");
    params.forEach((key, value) -> text.append(key).append(" = \"").append(value).append("\"\n"));
    text.append("} }\n");
    PipelineConfigParser.Result parsed = PipelineConfigParser.parse(
        ConfigLayers.loadRecorded(text.toString(), "test", Map.of(), List.of()));
    assertTrue(parsed.ok(), parsed.problems().toString());
    return parsed.config();
  }
}

package dev.kiln.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.errors.InvalidRecordException;
import dev.kiln.errors.InvalidRecordException.Problem;
import dev.kiln.errors.UnsupportedStageException;
import dev.kiln.testing.UsesSpark;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.Tokenizer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What the scorer does with records that do not fit, with stages it cannot evaluate, and under many threads. */
@UsesSpark
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelineScorerTest {

  private static final String SIGNATURE = "{\"inputs\":{\"type\":\"struct\",\"fields\":["
      + "{\"name\":\"age\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
      + "{\"name\":\"income\",\"type\":\"double\",\"nullable\":true,\"metadata\":{}},"
      + "{\"name\":\"plan\",\"type\":\"string\",\"nullable\":false,\"metadata\":{}},"
      + "{\"name\":\"seen\",\"type\":\"timestamp\",\"nullable\":true,\"metadata\":{}}]},"
      + "\"outputs\":{\"type\":\"struct\",\"fields\":["
      + "{\"name\":\"prediction\",\"type\":\"double\",\"nullable\":false,\"metadata\":{}},"
      + "{\"name\":\"probability\",\"type\":{\"type\":\"udt\",\"class\":\"org.apache.spark.ml.linalg.VectorUDT\","
      + "\"pyClass\":\"pyspark.ml.linalg.VectorUDT\",\"sqlType\":{\"type\":\"struct\",\"fields\":[]}},"
      + "\"nullable\":false,\"metadata\":{}}]}}";

  private Dataset<Row> rows;
  private PipelineScorer scorer;

  @BeforeAll
  void fit(SparkSession spark) {
    rows = spark.range(400).selectExpr(
        "case when id % 13 = 0 then null else cast(20 + id % 50 as int) end as age",
        "case when id % 7 = 0 then null else 1000.0D + (id * 37) % 900 end as income",
        "element_at(array('basic', 'pro', 'team'), cast(id % 3 as int) + 1) as plan",
        "timestamp_seconds(1700000000 + id * 3600) as seen",
        "cast((id * 37) % 900 > 450 or id % 3 = 1 as double) as label").cache();
    PipelineModel model = new Pipeline().setStages(new PipelineStage[] {
        new SQLTransformer().setStatement("SELECT *, hour(seen) AS seen_hour FROM __THIS__"),
        new Imputer().setInputCols(new String[] {"age", "income"}).setOutputCols(new String[] {"age_i", "income_i"}),
        new StringIndexer().setInputCol("plan").setOutputCol("plan_i").setHandleInvalid("keep"),
        new VectorAssembler().setInputCols(new String[] {"age_i", "income_i", "plan_i", "seen_hour"})
            .setOutputCol("features").setHandleInvalid("keep"),
        new LogisticRegression().setMaxIter(20)}).fit(rows);
    scorer = PipelineScorer.compile(model, ModelSignature.parse(SIGNATURE));
  }

  private static Map<String, Object> record() {
    Map<String, Object> record = new HashMap<>();
    record.put("age", 41);
    record.put("income", 1450.5);
    record.put("plan", "pro");
    record.put("seen", "2026-03-01T10:15:00Z");
    return record;
  }

  @Test
  void answersInTheSignaturesOrderWithTypedValues() {
    Map<String, Object> scored = scorer.score(record());
    assertEquals(List.of("prediction", "probability"), new ArrayList<>(scored.keySet()));
    assertTrue(scored.get("prediction") instanceof Double);
    double[] probability = (double[]) scored.get("probability");
    assertEquals(1.0, probability[0] + probability[1], 1e-12);
  }

  @Test
  void readsLenientlyWhereNoMeaningIsLost() {
    Map<String, Object> exact = scorer.score(record());
    Map<String, Object> lenient = record();
    lenient.put("age", 41L);           // any integral JSON number for an integer
    lenient.put("income", 1450.5f);    // a float for a double
    lenient.put("seen", Instant.parse("2026-03-01T10:15:00Z"));
    assertArrayEquals((double[]) exact.get("probability"), (double[]) scorer.score(lenient).get("probability"));
    lenient.put("age", 41.0);          // an integral double for an integer
    assertArrayEquals((double[]) exact.get("probability"), (double[]) scorer.score(lenient).get("probability"));
    Map<String, Object> nulls = record();
    nulls.put("age", null);
    nulls.put("income", null);
    nulls.put("seen", null);
    assertEquals(2, ((double[]) scorer.score(nulls).get("probability")).length, "nullable fields may be null");
  }

  @Test
  void namesTheFieldOfEveryRecordThatDoesNotFit() {
    assertProblem("age", Problem.MISSING, without("age"));
    assertProblem("colour", Problem.UNKNOWN, with("colour", "red"));
    assertProblem("age", Problem.WRONG_TYPE, with("age", "forty"));
    assertProblem("age", Problem.WRONG_TYPE, with("age", 41.5));
    assertProblem("age", Problem.WRONG_TYPE, with("age", 3_000_000_000L));
    assertProblem("income", Problem.NOT_FINITE, with("income", Double.NaN));
    assertProblem("income", Problem.NOT_FINITE, with("income", Double.POSITIVE_INFINITY));
    assertProblem("income", Problem.WRONG_TYPE, with("income", List.of(1.0)));
    assertProblem("plan", Problem.WRONG_TYPE, with("plan", null));
    assertProblem("plan", Problem.WRONG_TYPE, with("plan", 7));
    InvalidRecordException noZone = assertProblem("seen", Problem.WRONG_TYPE, with("seen", "2026-03-01T10:15:00"));
    assertTrue(noZone.getMessage().contains("zone offset"), noZone.getMessage());
    assertProblem("seen", Problem.WRONG_TYPE, with("seen", "yesterday"));
  }

  @Test
  void givesTheSameAnswersFromManyThreads() throws Exception {
    List<Map<String, Object>> records = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Map<String, Object> record = record();
      record.put("age", 18 + i % 60);
      record.put("plan", List.of("basic", "pro", "team", "unseen").get(i % 4));
      record.put("seen", Instant.parse("2026-03-01T00:00:00Z").plusSeconds(i * 1800L).toString());
      records.add(record);
    }
    List<double[]> alone = records.stream().map(r -> (double[]) scorer.score(r).get("probability")).toList();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<List<double[]>>> runs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        runs.add(pool.submit(() -> records.stream().map(r -> (double[]) scorer.score(r).get("probability"))
            .toList()));
      }
      for (Future<List<double[]>> run : runs) {
        List<double[]> together = run.get();
        for (int i = 0; i < alone.size(); i++) {
          assertArrayEquals(alone.get(i), together.get(i), "record " + i);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void refusesAStageItCannotEvaluateWhenCompilingNamingIt() {
    PipelineModel text = new Pipeline().setStages(new PipelineStage[] {
        new Tokenizer().setInputCol("plan").setOutputCol("words"),
        new HashingTF().setInputCol("words").setOutputCol("features"),
        new LogisticRegression().setMaxIter(5)}).fit(rows);
    UnsupportedStageException refused = assertThrows(UnsupportedStageException.class,
        () -> PipelineScorer.compile(text, ModelSignature.parse(SIGNATURE)));
    assertTrue(refused.getMessage().startsWith("stage 0 (org.apache.spark.ml.feature.Tokenizer, uid tok_"),
        refused.getMessage());
  }

  @Test
  void refusesASqlStageThatIsNotAProjection(SparkSession spark) {
    PipelineModel filtering = new Pipeline().setStages(new PipelineStage[] {
        new SQLTransformer().setStatement("SELECT * FROM __THIS__ WHERE age > 30")}).fit(rows);
    UnsupportedStageException refused = assertThrows(UnsupportedStageException.class,
        () -> PipelineScorer.compile(filtering, ModelSignature.parse(SIGNATURE)));
    assertTrue(refused.getMessage().contains("not a projection"), refused.getMessage());
  }

  private Map<String, Object> with(String field, Object value) {
    Map<String, Object> record = record();
    record.put(field, value);
    return record;
  }

  private Map<String, Object> without(String field) {
    Map<String, Object> record = record();
    record.remove(field);
    return record;
  }

  private InvalidRecordException assertProblem(String field, Problem problem, Map<String, Object> record) {
    InvalidRecordException thrown = assertThrows(InvalidRecordException.class, () -> scorer.score(record));
    assertEquals(field, thrown.field(), thrown.getMessage());
    assertEquals(problem, thrown.problem(), thrown.getMessage());
    assertTrue(thrown.getMessage().contains("'" + field + "'"), thrown.getMessage());
    return thrown;
  }
}

package dev.kiln.jobs.deploy;

import static dev.kiln.jobs.deploy.DeployFiles.IMAGE_HOME;
import static dev.kiln.jobs.deploy.DeployFiles.IMAGE_JAR;
import static dev.kiln.jobs.deploy.DeployFiles.KILN_CLASS;
import static dev.kiln.jobs.deploy.DeployFiles.REPO;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Airflow DAGs in deploy/airflow/dags, checked without Airflow (which cannot be installed here): Debian's
 * python3 reads each file with {@code ast} only (deploy/airflow/tests/extract_tasks.py), and every spark-submit
 * task's application, class and rendered arguments are checked against the jar and run through
 * {@code kiln ... --dry-run} in this JVM. Variables are unset, so templates render to their defaults: paths in the
 * job image ({@code /opt/kiln/...}), which map to this checkout.
 */
class AirflowDagsTest {

  static final Path DAGS = REPO.resolve("deploy/airflow/dags");
  static final Path EXTRACTOR = REPO.resolve("deploy/airflow/tests/extract_tasks.py");
  static final String PYTHON = "/usr/bin/python3";
  static final String RUN_DATE = "2026-11-21";

  static JsonNode extracted;

  @BeforeAll
  static void extractTheTasks() throws IOException {
    // Debian's interpreter, not whatever python3 is first on PATH; installed if missing, else the test fails here.
    DeployFiles.ProcessOutcome python = DeployFiles.run(List.of("testing/python/ensure-python3.sh"), Map.of());
    assertEquals(0, python.exitCode(), "Debian's /usr/bin/python3 is missing and could not be installed\n" + python);
    extracted = extract(DAGS);
  }

  static JsonNode extract(Path dags) throws IOException {
    DeployFiles.ProcessOutcome run = DeployFiles.run(List.of(PYTHON, EXTRACTOR.toString(), dags.toString(), "--ds",
        RUN_DATE), Map.of());
    assertEquals(0, run.exitCode(), run.toString());
    return new ObjectMapper().readTree(run.out());
  }

  @Test
  void eachDagHasItsTasksInOrder() {
    Map<String, List<String>> tasks = new LinkedHashMap<>();
    for (JsonNode dag : extracted.get("dags")) {
      tasks.put(dag.get("dag_id").asText(), StreamSupport.stream(dag.get("tasks").spliterator(), false)
          .map(t -> t.get("task_id").asText()).toList());
    }
    assertEquals(Map.of(
        "kiln_train_promote", List.of("retrain"),
        "kiln_daily_score", List.of("score"),
        "kiln_drift_check", List.of("ingest_predictions", "monitor", "threshold_crossed", "trigger_retrain")), tasks);

    JsonNode drift = dag("kiln_drift_check");
    assertEquals(List.of(List.of("ingest_predictions", "monitor"), List.of("monitor", "threshold_crossed"),
        List.of("threshold_crossed", "trigger_retrain")), pairs(drift.get("edges")));
    // Exit 3 is a result only through the operator that maps it, and only drift starts the retraining DAG.
    assertEquals("KilnMonitorOperator", task(drift, "monitor").get("operator").asText());
    JsonNode shortCircuit = task(drift, "threshold_crossed");
    assertEquals("ShortCircuitOperator", shortCircuit.get("operator").asText());
    assertEquals("monitor", shortCircuit.at("/kwargs/op_kwargs/monitor_task_id").asText());
    JsonNode trigger = task(drift, "trigger_retrain").get("kwargs");
    assertEquals("kiln_train_promote", trigger.get("trigger_dag_id").asText());
    assertEquals(RUN_DATE, trigger.at("/conf/run_date").asText());
    // The triggered run's date is the drift check's, through the retraining DAG's param.
    assertEquals(List.of("retrain", IMAGE_HOME + "conf/pipelines/demo.conf", "--run-date", RUN_DATE),
        args(task(dag("kiln_train_promote"), "retrain")));
  }

  @Test
  void everyTaskIsRetried() {
    for (JsonNode dag : extracted.get("dags")) {
      int retries = dag.at("/dag/default_args/retries").asInt(0);
      assertTrue(retries >= 1, dag.get("dag_id") + " retries " + retries + " times");
    }
  }

  @Test
  void everySparkTaskSubmitsKilnsJarAndMainClassWithTheJava17Flags() {
    assertDoesNotThrow(() -> Class.forName(KILN_CLASS), "the DAGs' java_class is on the classpath");
    String java17 = String.join(" ", DeployFiles.java17Flags());
    List<JsonNode> submits = sparkTasks();
    assertEquals(4, submits.size(), "spark-submit tasks");
    for (JsonNode task : submits) {
      JsonNode kwargs = task.get("kwargs");
      String name = task.get("task_id").asText();
      assertEquals(IMAGE_JAR, kwargs.get("application").asText(), name);
      assertEquals(KILN_CLASS, kwargs.get("java_class").asText(), name);
      assertEquals(java17, kwargs.at("/conf/spark.driver.extraJavaOptions").asText(), name);
      assertEquals(java17, kwargs.at("/conf/spark.executor.extraJavaOptions").asText(), name);
    }
  }

  /** One dynamic test per spark-submit task: its rendered arguments, through the CLI's dry run. */
  @TestFactory
  List<DynamicTest> everySparkTaskIsAcceptedByTheCli(@TempDir Path results) {
    Map<String, Path> checkout = Map.of(IMAGE_HOME, REPO, "/tmp/kiln/", results);
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode dag : extracted.get("dags")) {
      for (JsonNode task : dag.get("tasks")) {
        if (task.get("spark_submit").asBoolean()) {
          String where = dag.get("file").asText() + ":" + task.get("line").asInt() + " " + task.get("task_id").asText();
          List<String> args = args(task);
          tests.add(DynamicTest.dynamicTest(where + ": kiln " + String.join(" ", args), () -> {
            if (args.contains("--run-date")) {
              assertEquals(RUN_DATE, args.get(args.indexOf("--run-date") + 1), where + ": {{ ds }} rendered");
            }
            DeployFiles.assertDryRunAccepts(where, DeployFiles.localPaths(args, checkout));
          }));
        }
      }
    }
    return tests;
  }

  /** The extractor reports what it cannot know instead of guessing; it never imports the files it reads. */
  @Test
  void theExtractorRefusesTemplatesItCannotRenderOrAirflowWouldNot(@TempDir Path dags) throws IOException {
    String dag = """
        from airflow import DAG
        from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
        import this_module_does_not_exist
        with DAG(dag_id="broken") as dag:
            SparkSubmitOperator(task_id="t", application="kiln.jar", java_class=%s, application_args=[%s])
        """;
    assertRefused(dags, dag.formatted("\"dev.kiln.jobs.cli.Kiln\"", "\"{{ macros.ds_add(ds, 1) }}\""),
        "cannot render the template '{{ macros.ds_add(ds, 1) }}'");
    assertRefused(dags, dag.formatted("\"{{ var.value.get('kiln_class', 'x') }}\"", ""),
        "java_class is not a templated field of SparkSubmitOperator");
    assertRefused(dags, dag.formatted("\"dev.kiln.jobs.cli.Kiln\"", "compute_args()"),
        "application_args is not known without running the file: [compute_args()]");
  }

  private static void assertRefused(Path dags, String source, String reason) throws IOException {
    Files.writeString(dags.resolve("broken.py"), source);
    DeployFiles.ProcessOutcome run = DeployFiles.run(List.of(PYTHON, EXTRACTOR.toString(), dags.toString()),
        Map.of());
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().contains(reason), run.toString());
  }

  private static JsonNode dag(String dagId) {
    for (JsonNode dag : extracted.get("dags")) {
      if (dag.get("dag_id").asText().equals(dagId)) {
        return dag;
      }
    }
    return fail("no DAG " + dagId);
  }

  private static JsonNode task(JsonNode dag, String taskId) {
    for (JsonNode task : dag.get("tasks")) {
      if (task.get("task_id").asText().equals(taskId)) {
        return task;
      }
    }
    return fail("no task " + taskId + " in " + dag.get("dag_id"));
  }

  private static List<JsonNode> sparkTasks() {
    List<JsonNode> tasks = new ArrayList<>();
    extracted.get("dags").forEach(dag -> dag.get("tasks").forEach(task -> {
      if (task.get("spark_submit").asBoolean()) {
        tasks.add(task);
      }
    }));
    return tasks;
  }

  private static List<String> args(JsonNode task) {
    return StreamSupport.stream(task.at("/kwargs/application_args").spliterator(), false).map(JsonNode::asText)
        .toList();
  }

  private static List<List<String>> pairs(JsonNode edges) {
    return StreamSupport.stream(edges.spliterator(), false)
        .map(edge -> List.of(edge.get(0).asText(), edge.get(1).asText())).toList();
  }
}

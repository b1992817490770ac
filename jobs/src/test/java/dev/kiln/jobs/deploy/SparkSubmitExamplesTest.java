package dev.kiln.jobs.deploy;

import static dev.kiln.jobs.deploy.DeployFiles.IMAGE_HOME;
import static dev.kiln.jobs.deploy.DeployFiles.IMAGE_JAR;
import static dev.kiln.jobs.deploy.DeployFiles.KILN_CLASS;
import static dev.kiln.jobs.deploy.DeployFiles.REPO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * deploy/spark/examples/submit-*.sh and conf/spark-defaults.*.conf. No cluster runs here (ClusterLoopIT submits to
 * a real standalone one), so each script runs against a stand-in spark-submit that records its arguments: the
 * test checks the class, the application jar and the properties file it was given, and runs Kiln's part of the
 * command line through {@code kiln ... --dry-run}.
 */
class SparkSubmitExamplesTest {

  static final Path EXAMPLES = REPO.resolve("deploy/spark/examples");
  static final String DEMO = REPO.resolve("conf/pipelines/demo.conf").toString();
  /** spark-submit options that take no value. */
  static final Set<String> FLAGS = Set.of("--verbose", "-v", "--supervise", "--help", "-h", "--version");

  @TempDir
  Path sparkHome;

  /** What the stand-in spark-submit was given: its own options, the application, and the application's arguments. */
  record Submission(Map<String, String> options, String application, List<String> args) {}

  @ParameterizedTest
  @ValueSource(strings = {"submit-standalone.sh", "submit-yarn.sh", "submit-kubernetes.sh"})
  void eachExampleIsValidBashAndNamesKilnsMainClass(String script) {
    DeployFiles.ProcessOutcome syntax = DeployFiles.run(List.of("bash", "-n", EXAMPLES.resolve(script).toString()),
        Map.of());
    assertEquals(0, syntax.exitCode(), syntax.toString());
    assertTrue(DeployFiles.read(EXAMPLES.resolve(script)).contains("--class " + KILN_CLASS), script);
    assertTrue(Files.isExecutable(EXAMPLES.resolve(script)), script + " is executable");
  }

  @Test
  void standaloneSubmitsTheBuiltJarInClientMode() throws IOException {
    Submission submit = submit("submit-standalone.sh", Map.of("KILN_MASTER", "spark://spark-master:7077"),
        "run", DEMO);
    assertEquals("spark://spark-master:7077", submit.options().get("--master"));
    assertEquals("client", submit.options().get("--deploy-mode"));
    assertEquals(REPO.resolve("jobs/target/kiln.jar").toString(), submit.application());
    assertProperties(submit, "conf/spark-defaults.standalone.conf");
    DeployFiles.assertDryRunAccepts("submit-standalone.sh", submit.args());
  }

  /** In YARN's cluster mode the driver cannot read local files: configs travel with --files, named by file name. */
  @Test
  void yarnShipsLocalConfigsToTheDriverAndNamesThemByFileName() throws IOException {
    Submission run = submit("submit-yarn.sh", Map.of("HADOOP_CONF_DIR", sparkHome.toString()), "run", DEMO);
    assertEquals("yarn", run.options().get("--master"));
    assertEquals("cluster", run.options().get("--deploy-mode"));
    assertEquals(DEMO, run.options().get("--files"));
    assertEquals(List.of("run", "demo.conf"), run.args());
    assertProperties(run, "conf/spark-defaults.yarn.conf");

    Submission ingest = submit("submit-yarn.sh", Map.of("HADOOP_CONF_DIR", sparkHome.toString()),
        "ingest-predictions", "--log-root", "hdfs:///kiln/prediction-log", "--model", "churn", "--config", DEMO);
    assertEquals(DEMO, ingest.options().get("--files"));
    assertEquals(List.of("ingest-predictions", "--log-root", "hdfs:///kiln/prediction-log", "--model", "churn",
        "--config", "demo.conf"), ingest.args());

    // What the driver would find in its working directory is the shipped file.
    Map<String, Path> workingDirectory = Map.of("demo.conf", Path.of(DEMO));
    DeployFiles.assertDryRunAccepts("submit-yarn.sh run", DeployFiles.localPaths(run.args(), workingDirectory));
    DeployFiles.assertDryRunAccepts("submit-yarn.sh ingest-predictions",
        DeployFiles.localPaths(ingest.args(), workingDirectory));
  }

  @Test
  void kubernetesSubmitsTheJobImagesJar() throws IOException {
    Submission submit = submit("submit-kubernetes.sh", Map.of("KILN_K8S_MASTER", "k8s://https://kube-api:6443",
        "KILN_JOB_IMAGE", "registry.example.internal/kiln/kiln-job:0.1.0"),
        "retrain", IMAGE_HOME + "conf/pipelines/demo.conf");
    assertEquals("k8s://https://kube-api:6443", submit.options().get("--master"));
    assertEquals("cluster", submit.options().get("--deploy-mode"));
    assertEquals("spark.kubernetes.container.image=registry.example.internal/kiln/kiln-job:0.1.0",
        submit.options().get("--conf"));
    assertEquals("local://" + IMAGE_JAR, submit.application());
    assertProperties(submit, "conf/spark-defaults.kubernetes.conf");
    assertEquals(List.of("retrain", IMAGE_HOME + "conf/pipelines/demo.conf"), submit.args());
    // Checked with `run`, which this build has, in place of `retrain`, whose arguments AirflowDagsTest checks.
    DeployFiles.assertDryRunAccepts("submit-kubernetes.sh", DeployFiles.localPaths(
        List.of("run", IMAGE_HOME + "conf/pipelines/demo.conf"), Map.of(IMAGE_HOME, REPO)));
  }

  @Test
  void withoutACommandEachExampleSaysHowToUseIt() {
    for (String script : List.of("submit-standalone.sh", "submit-yarn.sh", "submit-kubernetes.sh")) {
      DeployFiles.ProcessOutcome usage = DeployFiles.run(List.of(EXAMPLES.resolve(script).toString()),
          environment(Map.of("HADOOP_CONF_DIR", "/etc/hadoop", "KILN_K8S_MASTER", "k8s://x", "KILN_JOB_IMAGE", "i")));
      assertEquals(2, usage.exitCode(), script + "\n" + usage);
      assertTrue(usage.err().contains("usage: " + script + " KILN_COMMAND"), script + "\n" + usage);
    }
  }

  @Test
  void theSparkDefaultsTemplatesAreSparkPropertiesWithoutCredentials() throws IOException {
    List<Path> templates;
    try (Stream<Path> files = Files.list(REPO.resolve("conf"))) {
      templates = files.filter(f -> f.getFileName().toString().matches("spark-defaults\\..+\\.conf")).sorted()
          .toList();
    }
    assertEquals(List.of("spark-defaults.kubernetes.conf", "spark-defaults.standalone.conf",
        "spark-defaults.yarn.conf"), templates.stream().map(f -> f.getFileName().toString()).toList());
    for (Path template : templates) {
      // java.util.Properties is the parser spark-submit uses for a properties file.
      Properties properties = new Properties();
      try (Reader reader = Files.newBufferedReader(template)) {
        properties.load(reader);
      }
      for (String key : properties.stringPropertyNames()) {
        assertTrue(key.startsWith("spark."), template + ": " + key);
        String lower = key.toLowerCase(Locale.ROOT);
        assertFalse(lower.endsWith("access.key") || lower.endsWith("secret.key") || lower.contains("password")
            || lower.contains("token"), template + " holds a credential: " + key);
      }
      assertEquals("io.delta.sql.DeltaSparkSessionExtension", properties.getProperty("spark.sql.extensions"),
          template.toString());
      assertEquals("org.apache.spark.sql.delta.catalog.DeltaCatalog",
          properties.getProperty("spark.sql.catalog.spark_catalog"), template.toString());
    }
  }

  /** Runs an example with a stand-in spark-submit in {@code $SPARK_HOME/bin} that prints one argument a line. */
  private Submission submit(String script, Map<String, String> environment, String... kilnArgs) throws IOException {
    Path bin = Files.createDirectories(sparkHome.resolve("bin"));
    Path sparkSubmit = bin.resolve("spark-submit");
    Files.writeString(sparkSubmit, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\"\n");
    Files.setPosixFilePermissions(sparkSubmit, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> command = new java.util.ArrayList<>(List.of(EXAMPLES.resolve(script).toString()));
    command.addAll(List.of(kilnArgs));
    DeployFiles.ProcessOutcome run = DeployFiles.run(command, environment(environment));
    assertEquals(0, run.exitCode(), run.toString());
    return parse(run.out().lines().toList());
  }

  private Map<String, String> environment(Map<String, String> extra) {
    Map<String, String> environment = new HashMap<>(extra);
    environment.put("SPARK_HOME", sparkHome.toString());
    // The scripts' defaults, not whatever this machine's environment says.
    environment.put("KILN_JAR", "");
    environment.put("KILN_SPARK_PROPERTIES", "");
    return environment;
  }

  /** spark-submit's reading: options (each with a value, but flags) up to the application, then its arguments. */
  private static Submission parse(List<String> argv) {
    Map<String, String> options = new LinkedHashMap<>();
    int i = 0;
    while (i < argv.size() && argv.get(i).startsWith("-")) {
      String option = argv.get(i);
      if (FLAGS.contains(option)) {
        options.put(option, "");
        i++;
      } else {
        options.merge(option, argv.get(i + 1), (a, b) -> a + "\n" + b);
        i += 2;
      }
    }
    assertEquals(KILN_CLASS, options.get("--class"), argv.toString());
    return new Submission(options, argv.get(i), argv.subList(i + 1, argv.size()));
  }

  private static void assertProperties(Submission submit, String template) {
    assertEquals(REPO.resolve(template).toString(), submit.options().get("--properties-file"));
    assertTrue(Files.isRegularFile(REPO.resolve(template)), template);
  }
}

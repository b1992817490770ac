package dev.kiln.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.jobs.cli.KilnCli;
import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelVersion;
import dev.kiln.testing.SharedSpark;
import dev.kiln.testing.hdfs.HdfsMiniCluster;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "The warehouse, the registry and the source can be hdfs:// paths", proven on a real HDFS: Hadoop's MiniDFSCluster
 * (a namenode and a datanode, in their own JVM on 127.0.0.1), reached by Spark's own shaded HDFS client. The whole
 * loop runs through the CLI with {@code warehouse = "hdfs://…"}, so the generated source, the step tables, the
 * registry and the models live in HDFS, their blocks on the datanode; the registry commands work on an
 * {@code hdfs://} root; preflight probes HDFS.
 */
class HdfsWarehouseIT {

  @TempDir
  static Path dir;

  private static HdfsMiniCluster hdfs;

  @BeforeAll
  static void startHdfs() {
    hdfs = HdfsMiniCluster.start(dir.resolve("hdfs"));
  }

  @AfterAll
  static void stopHdfs() throws IOException {
    if (hdfs == null) {
      return;
    }
    try {
      // The shared session outlives this class: drop its cached client (lease renewer, sockets) of this namenode.
      FileSystem.get(URI.create(hdfs.uri()), SharedSpark.session().sparkContext().hadoopConfiguration()).close();
    } finally {
      hdfs.close();
    }
  }

  @Test
  void theLoopRunsWithItsWarehouseRegistryAndSourceOnHdfs() throws IOException {
    String warehouse = hdfs.uri("/kiln");
    Path conf = pipelineFile("churn-hdfs.conf", """
        warehouse = "%s"
        pipeline.name = churn-hdfs
        source { format = generated, generated { rows = 5000, seed = 11 } }
        clean.dedup { key = [customer_id], latest-by = updated_at }
        features {
          label = churned
          numeric = [tenure_months, monthly_charges, total_charges, support_calls, age]
          categorical = [country, plan, contract]
        }
        model { algorithm = logistic-regression, params { maxIter = 20, regParam = 0.01 } }
        evaluation.split-by = [customer_id]
        spark.partitions = 2
        """.formatted(warehouse));

    KilnCli.Outcome run = KilnCli.run("run", conf.toString());
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("churn-hdfs@1 (logistic-regression)"), run.out());

    SparkSession spark = SharedSpark.session();
    String registryRoot = warehouse + "/registry";
    String versionsTable = registryRoot + "/model_versions";
    assertTrue(run.out().contains(versionsTable), "the summary names the registry on HDFS:\n" + run.out());
    assertTrue(DeltaTable.isDeltaTable(spark, versionsTable), versionsTable + " is a Delta table");
    assertEquals(1, spark.read().format("delta").load(versionsTable).count());
    DeltaRegistry registry = new DeltaRegistry(spark, registryRoot);
    ModelVersion first = registry.get("churn-hdfs", 1).orElseThrow();
    assertTrue(first.artifactUri().startsWith(registryRoot + "/artifacts/churn-hdfs/"), first.artifactUri());
    assertTrue(first.lineage().sourceUri().startsWith(warehouse + "/generated/churn-5000-seed11"),
        "the generated source lives on HDFS too: " + first.lineage().sourceUri());
    assertTrue(first.lineage().sourceUri().startsWith("hdfs://"), first.lineage().sourceUri());
    assertTrue(first.metrics().get("auc_roc") > 0.6, first.metrics().toString());

    // Real HDFS, not a local stand-in: Spark's client is a DistributedFileSystem, and the registry's data files are
    // blocks on the minicluster's datanode.
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    org.apache.hadoop.fs.Path artifact = new org.apache.hadoop.fs.Path(first.artifactUri());
    FileSystem fs = artifact.getFileSystem(hadoop);
    assertInstanceOf(DistributedFileSystem.class, fs, "the client of " + artifact);
    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(artifact, "metadata")), "the model is saved on HDFS: "
        + artifact);
    LocatedFileStatus dataFile = firstParquetFile(fs, new org.apache.hadoop.fs.Path(versionsTable));
    BlockLocation[] blocks = dataFile.getBlockLocations();
    assertTrue(blocks.length > 0 && Arrays.asList(blocks[0].getNames()).contains(hdfs.dataNode()),
        dataFile.getPath() + " is stored on the datanode " + hdfs.dataNode() + ": " + Arrays.toString(blocks));

    PipelineModel model = PipelineModel.load(first.artifactUri());
    Dataset<Row> scored = model.transform(spark.read().format("delta").load(first.lineage().sourceUri()).limit(20));
    assertEquals(20, scored.select("prediction").count(), "the loaded model scores rows");
    assertTrue(first.config().contains(warehouse), "the registry keeps the config:\n" + first.config());

    // Step by step on the same warehouse: the step tables are on HDFS and carry the lineage to version 2.
    for (String step : List.of("sample", "clean", "train")) {
      KilnCli.Outcome outcome = KilnCli.run(step, conf.toString());
      assertEquals(0, outcome.exitCode(), step + ": " + outcome);
    }
    assertTrue(DeltaTable.isDeltaTable(spark, warehouse + "/pipelines/churn-hdfs/clean"));
    assertEquals(2, spark.read().format("delta").load(versionsTable).count());
    ModelVersion second = registry.get("churn-hdfs", 2).orElseThrow();
    assertEquals(first.lineage().sourceUri(), second.lineage().sourceUri(),
        "the step tables carry the source's lineage");
    assertEquals(first.ledger(), second.ledger(), "both paths saw the same rows");

    // The registry commands, given only the hdfs:// root.
    KilnCli.Outcome list = KilnCli.run("models", "list", "--registry", registryRoot);
    assertEquals(0, list.exitCode(), list.toString());
    String[] lines = list.out().strip().split("\n");
    assertEquals(2, lines.length, list.out());
    assertTrue(lines[0].startsWith("NAME") && lines[1].matches("churn-hdfs\\s+2\\s+-\\s+0\\.\\d{4}\\s+"
        + "logistic-regression\\s.*"), list.out());

    KilnCli.Outcome alias = KilnCli.run("models", "alias", "churn-hdfs", "champion", "1", "--reason", "first on HDFS",
        "--registry", registryRoot);
    assertEquals(0, alias.exitCode(), alias.toString());
    assertTrue(alias.out().contains("churn-hdfs@champion -> 1 (new alias) (first on HDFS)"), alias.out());
    assertTrue(DeltaTable.isDeltaTable(spark, registryRoot + "/aliases"), "the alias table is on HDFS");

    KilnCli.Outcome show = KilnCli.run("models", "show", "churn-hdfs@champion", "--registry", registryRoot);
    assertEquals(0, show.exitCode(), show.toString());
    assertTrue(show.out().startsWith("churn-hdfs@1  (champion)"), show.out());
    assertTrue(show.out().contains("  artifact   " + first.artifactUri()), show.out());
    assertTrue(show.out().contains(" " + first.lineage().sourceUri()), show.out());

    KilnCli.Outcome listed = KilnCli.run("models", "list", "--registry", registryRoot);
    assertTrue(listed.out().contains("champion=1"), listed.out());
  }

  @Test
  void preflightProbesHdfs() throws IOException {
    String missing = hdfs.uri("/nothing/here");
    Path conf = pipelineFile("missing.conf", """
        source { format = parquet, path = "%s" }
        features { label = churned, numeric = [tenure_months] }
        """.formatted(missing));
    KilnCli.Outcome absent = KilnCli.run("run", conf.toString());
    assertEquals(2, absent.exitCode(), absent.toString());
    assertTrue(absent.err().contains("source.path: no parquet data at " + missing), absent.err());

    // Data that exists but lacks the label. Written through the shared session, given the same settings.
    SparkSession spark = new SharedSessionFactory().open("write", Optional.empty(), 2, hdfs.sparkConf());
    String unlabelled = hdfs.uri("/unlabelled");
    spark.range(100).selectExpr("id AS customer_id", "CAST(id % 24 AS INT) AS tenure_months")
        .coalesce(1).write().mode("overwrite").parquet(unlabelled);
    Path labelless = pipelineFile("unlabelled.conf", """
        source { format = parquet, path = "%s" }
        features { label = churned, numeric = [tenure_months] }
        """.formatted(unlabelled));
    KilnCli.Outcome noLabel = KilnCli.run("run", labelless.toString());
    assertEquals(2, noLabel.exitCode(), noLabel.toString());
    assertTrue(noLabel.err().contains("features.label: column 'churned' is not in the source " + unlabelled
        + " (its columns: customer_id, tenure_months)"), noLabel.err());
  }

  /** A pipeline file with {@code body} and the cluster's client settings under {@code spark.conf}. */
  private static Path pipelineFile(String name, String body) throws IOException {
    StringBuilder text = new StringBuilder(body).append("spark.conf {\n");
    hdfs.sparkConf().forEach((key, value) -> text.append("  \"").append(key).append("\" = \"").append(value)
        .append("\"\n"));
    text.append("}\n");
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  private static LocatedFileStatus firstParquetFile(FileSystem fs, org.apache.hadoop.fs.Path table)
      throws IOException {
    RemoteIterator<LocatedFileStatus> files = fs.listFiles(table, false);
    while (files.hasNext()) {
      LocatedFileStatus file = files.next();
      if (file.getPath().getName().endsWith(".parquet")) {
        return file;
      }
    }
    throw new AssertionError("no Parquet file in " + table);
  }
}

package dev.kiln.source;

import dev.kiln.generate.ChurnDataGenerator;
import io.delta.tables.DeltaTable;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * Kiln's generated churn table as a source: written once as a Delta table under
 * {@code <warehouse>/generated/churn-<rows>-seed<seed>}, then read like any Delta table (so lineage has a version).
 * Writing is one Delta commit; a run that dies while generating leaves no table and the next run generates again.
 */
public final class GeneratedSource implements Source {

  private final ChurnDataGenerator.Spec spec;
  private final DeltaSource table;
  private final int partitions;

  public GeneratedSource(ChurnDataGenerator.Spec spec, String warehouse, int partitions, Optional<Long> version) {
    this.spec = spec;
    this.partitions = partitions;
    this.table = new DeltaSource(dev.kiln.config.PipelineConfig.GeneratedConfig.location(warehouse, spec.rows(),
        spec.seed()), version);
  }

  @Override
  public String uri() {
    return table.uri();
  }

  @Override
  public String format() {
    return "delta";
  }

  /** Always there (it is made on first read), with the generator's columns. */
  @Override
  public Probe probe(Configuration hadoopConf) {
    return new Probe(true, Optional.of(ChurnDataGenerator.COLUMNS));
  }

  @Override
  public SourceSnapshot read(SparkSession spark, ReadRequest request) {
    if (!DeltaTable.isDeltaTable(spark, table.uri())) {
      write(spark, spec, table.uri(), "delta", partitions);
    }
    return table.read(spark, request);
  }

  /**
   * Writes a generated table. Delta output is one commit that carries the spec as its user metadata; Parquet output
   * is replaced as a whole.
   */
  public static void write(SparkSession spark, ChurnDataGenerator.Spec spec, String uri, String format,
      int partitions) {
    write(spark, spec, uri, format, partitions, false);
  }

  /**
   * As {@link #write(SparkSession, ChurnDataGenerator.Spec, String, String, int)}; with {@code append}, the rows are
   * added to an existing Delta table (a new version, as a day of new data arrives) instead of replacing it. An append
   * is idempotent: it is a Delta transaction identified by the spec ({@code txnAppId}), which Delta commits once, so
   * running the same command again adds nothing.
   *
   * @return whether rows were written (false: this spec was appended before)
   */
  public static boolean write(SparkSession spark, ChurnDataGenerator.Spec spec, String uri, String format,
      int partitions, boolean append) {
    if (append && !"delta".equals(format)) {
      throw new IllegalArgumentException("only a Delta table can be appended to, not " + format);
    }
    String appId = "kiln-generate-" + java.util.UUID.nameUUIDFromBytes(
        spec.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    if (append && DeltaTable.isDeltaTable(spark, uri) && appendedBefore(spark, uri, appId)) {
      return false;
    }
    var writer = new ChurnDataGenerator(spec).generate(spark, partitions).write().format(format)
        .mode(append ? "append" : "overwrite");
    if ("delta".equals(format)) {
      writer = writer.option("userMetadata", spec.toJson());
    }
    if (append) {
      writer = writer.option("txnAppId", appId).option("txnVersion", 0L);
    }
    // The generator's one wide projection compiles to a method over the JVM's 8,000-byte JIT limit, which then runs
    // interpreted; at this limit Spark falls back to code the JIT does compile (1M rows: ~45 s before, ~29 s after).
    String limit = "spark.sql.codegen.hugeMethodLimit";
    String previous = spark.conf().get(limit, null);
    spark.conf().set(limit, "8000");
    try {
      writer.save(uri);
    } finally {
      if (previous == null) {
        spark.conf().unset(limit);
      } else {
        spark.conf().set(limit, previous);
      }
    }
    return true;
  }

  /** Whether the table's log holds the transaction {@code appId}: Delta skips such a write, and so does Kiln. */
  private static boolean appendedBefore(SparkSession spark, String uri, String appId) {
    return org.apache.spark.sql.delta.DeltaLog.forTable(spark, uri).update(false, scala.Option.empty(),
        scala.Option.empty()).transactions().contains(appId);
  }

  /** Files to write for a table of {@code rows}: about a million rows a file, at least {@code minimum}. */
  public static int filesFor(long rows, int minimum) {
    return (int) Math.max(minimum, Math.min(1_000, (rows + 999_999) / 1_000_000));
  }
}

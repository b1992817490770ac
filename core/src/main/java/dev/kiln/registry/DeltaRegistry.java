package dev.kiln.registry;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;

import dev.kiln.config.HadoopPaths;
import io.delta.tables.DeltaTable;
import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A {@link Registry} kept in a Delta table, {@code <root>/model_versions}, with artifacts under
 * {@code <root>/artifacts/<name>/<run id>/}. Works on any Hadoop path ({@code file:}, {@code hdfs:}, {@code s3a:}).
 *
 * <p>Each registration is one Delta append, so a record is visible whole or not at all. Version numbers are taken as
 * one more than the highest registered; two registrations of one name at the same instant are not yet serialised
 * (the registry issue replaces this with allocation inside a Delta transaction).
 */
public final class DeltaRegistry implements Registry {

  public static final StructType SCHEMA = new StructType()
      .add("name", DataTypes.StringType, false)
      .add("version", DataTypes.LongType, false)
      .add("run_id", DataTypes.StringType, false)
      .add("created_at", DataTypes.TimestampType, false)
      .add("artifact_uri", DataTypes.StringType, false)
      .add("metrics", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType), false)
      .add("params", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType), false)
      .add("source_uri", DataTypes.StringType, false)
      .add("source_format", DataTypes.StringType, false)
      .add("source_version", DataTypes.LongType, true)
      .add("sample", DataTypes.StringType, false)
      .add("dedup", DataTypes.StringType, false)
      .add("split", DataTypes.StringType, false)
      .add("ledger", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType), false)
      .add("config", DataTypes.StringType, false)
      .add("config_hash", DataTypes.StringType, false);

  private final SparkSession spark;
  private final String root;

  public DeltaRegistry(SparkSession spark, String root) {
    this.spark = spark;
    this.root = root;
  }

  public String versionsTable() {
    return HadoopPaths.child(root, "model_versions");
  }

  @Override
  public String artifactLocation(String name, String runId) {
    return HadoopPaths.child(root, "artifacts/" + name + "/" + runId);
  }

  @Override
  public ModelVersion register(ModelVersion candidate) {
    Row highest = versionsOf(candidate.name()).agg(max(col("version"))).head();
    long next = highest.isNullAt(0) ? 1 : highest.getLong(0) + 1;
    ModelVersion stored = new ModelVersion(candidate.name(), next, candidate.runId(), candidate.createdAt(),
        candidate.artifactUri(), candidate.metrics(), candidate.params(), candidate.lineage(), candidate.ledger(),
        candidate.config(), candidate.configHash());
    spark.createDataFrame(List.of(toRow(stored)), SCHEMA).coalesce(1)
        .write().format("delta").mode("append")
        .option("userMetadata", "register " + stored.ref())
        .save(versionsTable());
    return stored;
  }

  @Override
  public Optional<ModelVersion> get(String name, long version) {
    return versionsOf(name).filter(col("version").equalTo(version)).collectAsList().stream()
        .map(DeltaRegistry::fromRow).findFirst();
  }

  @Override
  public Optional<ModelVersion> latest(String name) {
    return versionsOf(name).orderBy(col("version").desc()).limit(1).collectAsList().stream()
        .map(DeltaRegistry::fromRow).findFirst();
  }

  @Override
  public List<ModelVersion> versions(String name) {
    return versionsOf(name).orderBy(col("version")).collectAsList().stream().map(DeltaRegistry::fromRow).toList();
  }

  private Dataset<Row> versionsOf(String name) {
    if (!DeltaTable.isDeltaTable(spark, versionsTable())) {
      return spark.createDataFrame(List.of(), SCHEMA);
    }
    return spark.read().format("delta").load(versionsTable()).filter(col("name").equalTo(name));
  }

  private static Row toRow(ModelVersion v) {
    return RowFactory.create(v.name(), v.version(), v.runId(), Timestamp.from(v.createdAt()), v.artifactUri(),
        scalaMap(v.metrics()), scalaMap(v.params()), v.lineage().sourceUri(), v.lineage().sourceFormat(),
        v.lineage().sourceVersion().orElse(null), v.lineage().sample(), v.lineage().dedup(), v.lineage().split(),
        scalaMap(v.ledger()), v.config(), v.configHash());
  }

  private static ModelVersion fromRow(Row row) {
    return new ModelVersion(row.getAs("name"), row.<Long>getAs("version"), row.getAs("run_id"),
        row.<Timestamp>getAs("created_at").toInstant(), row.getAs("artifact_uri"),
        new LinkedHashMap<>(row.<String, Double>getJavaMap(row.fieldIndex("metrics"))),
        new LinkedHashMap<>(row.<String, String>getJavaMap(row.fieldIndex("params"))),
        new ModelVersion.Lineage(row.getAs("source_uri"), row.getAs("source_format"),
            Optional.ofNullable(row.<Long>getAs("source_version")), row.getAs("sample"), row.getAs("dedup"),
            row.getAs("split")),
        new LinkedHashMap<>(row.<String, Long>getJavaMap(row.fieldIndex("ledger"))),
        row.getAs("config"), row.getAs("config_hash"));
  }

  private static <V> scala.collection.Map<String, V> scalaMap(Map<String, V> map) {
    return scala.collection.JavaConverters.mapAsScalaMap(new LinkedHashMap<>(map));
  }
}

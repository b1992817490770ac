package dev.kiln.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.testing.UsesSpark;
import io.delta.tables.DeltaTable;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UsesSpark
class ProfileStoreTest {

  @TempDir
  Path dir;

  @Test
  void eachRunIsOneAppendAndEveryRunReadsBackAsItWas(SparkSession spark) {
    Dataset<Row> messy = SparkProfilerTest.messy(spark);
    Profile first = new SparkProfiler().profile(messy, Optional.of("label"));
    Profile second = new SparkProfiler().profile(messy.where("id < 20").drop("code"), Optional.empty());
    ProfileStore store = new ProfileStore(spark, "file:" + dir.resolve("profiles"));
    assertEquals(List.of(), store.runs(), "no table yet");

    ProfileRun one = ProfileRun.start("delta file:/t @ version 0");
    store.append(one, first);
    assertEquals(Optional.of(first), store.load(one.id()), "every statistic, matrix and association round-trips");
    ProfileRun two = ProfileRun.start("delta file:/t @ version 1");
    store.append(two, second);

    assertEquals(List.of(one, two), store.runs());
    assertEquals(Optional.of(first), store.load(one.id()), "the first run is untouched by the second");
    assertEquals(Optional.of(second), store.load(two.id()));
    assertEquals(Optional.empty(), store.load("no-such-run"));

    Dataset<Row> history = DeltaTable.forPath(spark, store.path()).history();
    assertEquals(2, history.count());
    assertTrue(history.collectAsList().stream().allMatch(h -> "WRITE".equals(h.getAs("operation"))
        && "Append".equals(h.<scala.collection.Map<String, String>>getAs("operationParameters").get("mode").get())),
        "blind appends only");

    // The table answers questions across runs in plain SQL.
    List<Row> nulls = spark.sql("select source, nulls, histogram[0].count, pearson['x'] from delta.`" + store.path()
        + "` where column = 'amount' order by profiled_at").collectAsList();
    assertEquals(2, nulls.size());
    assertEquals(4L, nulls.get(0).getLong(1));
    assertEquals(2L, nulls.get(1).getLong(1), "ids 0 and 10 among the first 20");
    assertEquals(first.pearson().value("amount", "x"), nulls.get(0).getDouble(3), 1e-15);
    assertEquals(messy.columns().length + messy.columns().length - 1,
        spark.read().format("delta").load(store.path()).count(), "one row per column per run");
  }
}

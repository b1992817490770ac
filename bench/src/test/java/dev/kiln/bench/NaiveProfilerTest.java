package dev.kiln.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.profile.Profile;
import dev.kiln.profile.Profile.Association;
import dev.kiln.profile.Profile.ColumnProfile;
import dev.kiln.profile.Profile.CorrelationMatrix;
import dev.kiln.profile.Profile.NumericSummary;
import dev.kiln.profile.SparkProfiler;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's baseline is honest: on 2,000 generated rows, cleaned as the benchmark cleans them, the naive
 * profiler and Kiln's compute the same statistics (exact ones equal, floating-point ones within rounding).
 */
class NaiveProfilerTest {

  private static final double TOLERANCE = 1e-9;

  private static SparkSession spark;
  private static Profile kiln;
  private static Profile naive;

  @BeforeAll
  static void profileBothWays() {
    spark = SparkSession.builder().master("local[2]").appName("naive-profiler-test")
        .config("spark.driver.host", "127.0.0.1").config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4").getOrCreate();
    try (CleanStep clean = CleanStep.of(CleanProfileData.generate(spark, 2_000, CleanProfileData.SEED, 3))) {
      assertEquals(CleanProfileData.originals(2_000), clean.count(), "rows after exact deduplication");
      kiln = new SparkProfiler().profile(clean.rows(), Optional.of(CleanProfileData.LABEL));
      naive = new NaiveProfiler().profile(clean.rows(), Optional.of(CleanProfileData.LABEL));
    }
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void everyColumnHasTheSameStatistics() {
    assertEquals(1_980, kiln.rows());
    assertEquals(kiln.rows(), naive.rows());
    assertEquals(20, kiln.columns().size());
    for (int i = 0; i < kiln.columns().size(); i++) {
      ColumnProfile k = kiln.columns().get(i);
      ColumnProfile n = naive.columns().get(i);
      String name = k.name();
      assertEquals(k.name(), n.name());
      assertEquals(k.kind(), n.kind(), name);
      assertEquals(k.count(), n.count(), name);
      assertEquals(k.nulls(), n.nulls(), name);
      assertEquals(k.nonFinite(), n.nonFinite(), name);
      assertEquals(k.approxDistinct(), n.approxDistinct(), name);
      assertEquals(k.numeric().isPresent(), n.numeric().isPresent(), name);
      if (k.numeric().isPresent()) {
        NumericSummary a = k.numeric().get();
        NumericSummary b = n.numeric().get();
        assertEquals(a.min(), b.min(), name);
        assertEquals(a.max(), b.max(), name);
        assertEquals(a.mean(), b.mean(), TOLERANCE * Math.max(1, Math.abs(a.mean())), name);
        assertEquals(a.stddev(), b.stddev(), TOLERANCE * Math.max(1, a.stddev()), name);
        assertEquals(a.quantiles(), b.quantiles(), name);
      }
      assertEquals(k.histogram(), n.histogram(), name);
      assertEquals(k.topValues(), n.topValues(), name);
      assertEquals(k.otherValues(), n.otherValues(), name);
      assertEquals(k.lengths(), n.lengths(), name);
      assertEquals(k.range(), n.range(), name);
    }
  }

  @Test
  void theCleaningLeftNullsOnlyWhereItDoesNotImpute() {
    assertTrue(kiln.column("x12").orElseThrow().nulls() > 0);
    assertTrue(kiln.column("c6").orElseThrow().nulls() > 0);
    assertTrue(kiln.column("d").orElseThrow().nulls() > 0);
    assertEquals(0, kiln.column("x01").orElseThrow().nulls());
    assertEquals(0, kiln.column("c2").orElseThrow().nulls());
  }

  @Test
  void correlationsAreTheSame() {
    assertMatrix(kiln.pearson(), naive.pearson());
    assertMatrix(kiln.spearman(), naive.spearman());
    assertEquals(13, kiln.spearman().columns().size(), "12 numeric columns and the label");
    assertTrue(kiln.spearman().completeRows().orElseThrow() > 1_800);
    // The generated dependencies show: x02 follows x01, x05 goes against it.
    assertTrue(kiln.pearson().value("x01", "x02") > 0.3);
    assertTrue(kiln.spearman().value("x01", "x05") < -0.3);
  }

  @Test
  void associationsWithTheLabelAreTheSame() {
    assertEquals(kiln.associations().size(), naive.associations().size());
    assertFalse(kiln.associations().isEmpty());
    for (Association a : kiln.associations()) {
      Association b = naive.association(a.feature()).orElseThrow(() -> new AssertionError(a.feature()));
      assertEquals(a.method(), b.method(), a.feature());
      assertEquals(a.value(), b.value(), TOLERANCE, a.feature());
      assertEquals(a.rows(), b.rows(), a.feature());
    }
  }

  private static void assertMatrix(CorrelationMatrix expected, CorrelationMatrix actual) {
    assertEquals(expected.method(), actual.method());
    assertEquals(expected.columns(), actual.columns());
    assertEquals(expected.completeRows(), actual.completeRows());
    for (int i = 0; i < expected.values().size(); i++) {
      assertEquals(expected.values().get(i), actual.values().get(i), TOLERANCE,
          expected.method() + " " + expected.columns().get(i / expected.columns().size()) + " × "
              + expected.columns().get(i % expected.columns().size()));
    }
  }
}

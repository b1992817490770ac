package dev.kiln.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.testing.SparkTest;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SparkTest
class DeltaRegistryTest {

  @TempDir
  Path root;

  @Test
  void versionsCountUpPerNameAndRoundTripEveryField(SparkSession spark) {
    DeltaRegistry registry = new DeltaRegistry(spark, "file:" + root);
    assertTrue(registry.latest("churn").isEmpty());

    ModelVersion first = registry.register(candidate("churn", 0.71, Optional.of(3L)));
    ModelVersion second = registry.register(candidate("churn", 0.74, Optional.empty()));
    ModelVersion other = registry.register(candidate("fraud", 0.9, Optional.of(1L)));

    assertEquals(1, first.version());
    assertEquals(2, second.version());
    assertEquals(1, other.version(), "each name counts on its own");
    assertEquals(second, registry.latest("churn").orElseThrow());
    assertEquals(first, registry.get("churn", 1).orElseThrow());
    assertEquals(List.of(first, second), registry.versions("churn"));
    assertTrue(registry.get("churn", 3).isEmpty());
    assertEquals("churn@2", second.ref());
    assertTrue(registry.artifactLocation("churn", "run-1").endsWith("/artifacts/churn/run-1"));
  }

  private static ModelVersion candidate(String name, double auc, Optional<Long> sourceVersion) {
    return new ModelVersion(name, 0, "run-" + auc, Instant.now().truncatedTo(ChronoUnit.MICROS),
        "file:/models/" + name, Map.of("auc_roc", auc), Map.of("algorithm", "gbt", "maxIter", "10"),
        new ModelVersion.Lineage("file:/data", "delta", sourceVersion, "bernoulli fraction=1.0 seed=42", "exact",
            "hash of id"),
        Map.of("source_rows", 100L, "train_rows", 80L), "pipeline.name = x", "abc123");
  }
}

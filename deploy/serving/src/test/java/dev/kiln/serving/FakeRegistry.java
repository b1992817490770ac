package dev.kiln.serving;

import dev.kiln.errors.InvalidInputException;
import dev.kiln.registry.ModelRef;
import dev.kiln.registry.ModelVersion;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** One model's alias, movable by the test, resolved as a registry would; and a loader of {@link FakeScorer}s. */
final class FakeRegistry implements VersionResolver, ModelLoader {

  static final String NAME = "churn";
  final AtomicLong champion = new AtomicLong(1);

  @Override
  public ModelVersion resolve(ModelRef ref) {
    if (!ref.name().equals(NAME)) {
      throw new InvalidInputException("no model " + ref);
    }
    return version(champion.get());
  }

  @Override
  public FakeScorer load(ModelVersion version) {
    return new FakeScorer(version.version());
  }

  static ModelVersion version(long version) {
    return new ModelVersion(NAME, version, "run-" + version, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(version),
        "file:/nowhere/" + version, Map.of("auc_roc", 0.7 + version / 100.0, "test_rows", 100.0),
        Map.of("algorithm", "logistic-regression"),
        new ModelVersion.Lineage("file:/data", "delta", Optional.of(1L), "all", "none", "random"), Map.of(),
        "", "hash", "{}", Map.of());
  }
}

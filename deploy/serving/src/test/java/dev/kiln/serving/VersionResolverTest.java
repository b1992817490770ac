package dev.kiln.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.kiln.registry.ModelRef;
import dev.kiln.registry.ModelVersion;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class VersionResolverTest {

  @Test
  void asksTheRegistryAgainOnlyAfterItsChangeTokenMoves() {
    AtomicReference<String> token = new AtomicReference<>("3/1");
    AtomicInteger asked = new AtomicInteger();
    AtomicReference<Long> current = new AtomicReference<>(1L);
    VersionResolver resolver = VersionResolver.askingOnlyAfterChanges(token::get, ref -> {
      asked.incrementAndGet();
      return version(ref.name(), current.get());
    });
    ModelRef champion = ModelRef.parse("churn@champion");

    ModelVersion first = resolver.resolve(champion);
    assertSame(first, resolver.resolve(champion), "unchanged registry: the same answer");
    assertEquals(1, asked.get());
    resolver.resolve(ModelRef.parse("churn@challenger"));
    assertEquals(2, asked.get(), "another reference is asked for on its own");

    current.set(2L);
    token.set("3/2");  // the alias moved
    assertEquals(2L, resolver.resolve(champion).version());
    assertEquals(3, asked.get());
  }

  private static ModelVersion version(String name, long version) {
    return new ModelVersion(name, version, "run", Instant.EPOCH, "file:/nowhere", Map.of(), Map.of(),
        new ModelVersion.Lineage("file:/data", "parquet", java.util.Optional.empty(), "", "", ""), Map.of(), "",
        "", "{}", Map.of());
  }
}

package dev.kiln.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelVersion;
import dev.kiln.testing.SharedSpark;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One registry for the class: registering is the slow part, and no test depends on another's alias moves. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelsCommandTest {

  private String root;

  @BeforeAll
  void registerTwoVersions(@TempDir Path dir) {
    root = dir.resolve("registry").toString();
    DeltaRegistry registry = new DeltaRegistry(SharedSpark.session(), "file:" + root);
    registry.register(version(registry, 0.71, "20"));
    registry.register(version(registry, 0.75, "40"));
  }

  @Test
  void listShowAliasAndCompare() {
    KilnCli.Outcome alias = KilnCli.run("models", "alias", "churn", "champion", "1", "--reason", "first",
        "--registry", root);
    assertEquals(0, alias.exitCode(), alias.toString());
    assertTrue(alias.out().contains("churn@champion -> 1 (new alias) (first)"), alias.out());
    KilnCli.Outcome moved = KilnCli.run("models", "alias", "churn", "champion", "2", "--registry", root);
    assertTrue(moved.out().contains("churn@champion -> 2 (was 1)"), moved.out());

    KilnCli.Outcome list = KilnCli.run("models", "list", "--registry", root);
    assertEquals(0, list.exitCode(), list.toString());
    String[] lines = list.out().strip().split("\n");
    assertEquals(2, lines.length, list.out());
    assertTrue(lines[0].startsWith("NAME") && lines[1].matches("churn\\s+2\\s+champion=2\\s+0\\.7500\\s+gbt\\s.*"),
        list.out());

    KilnCli.Outcome show = KilnCli.run("models", "show", "churn@champion", "--registry", root);
    assertEquals(0, show.exitCode(), show.toString());
    assertTrue(show.out().startsWith("churn@2  (champion)"), show.out());
    assertTrue(show.out().contains("auc_roc 0.7500"), show.out());

    KilnCli.Outcome compare = KilnCli.run("models", "compare", "churn@1", "churn@champion", "--registry", root);
    assertEquals(0, compare.exitCode(), compare.toString());
    assertTrue(compare.out().matches("(?s).*auc_roc\\s+0\\.7100\\s+0\\.7500\\s+\\+0\\.0400.*"), compare.out());
    assertTrue(compare.out().matches("(?s).*\\*maxIter\\s+20\\s+40.*"), compare.out());
    assertTrue(compare.out().matches("(?s).* algorithm\\s+gbt\\s+gbt.*"), compare.out());
  }

  @Test
  void searchFiltersAndOrdersBySql() {
    KilnCli.Outcome found = KilnCli.run("models", "search", "metrics['auc_roc'] > 0.72 and params['maxIter'] = '40'",
        "--registry", root);
    assertEquals(0, found.exitCode(), found.toString());
    String[] lines = found.out().strip().split("\n");
    assertEquals(2, lines.length, found.out());
    assertTrue(lines[1].startsWith("churn@2 "), found.out());
    KilnCli.Outcome both = KilnCli.run("models", "search", "name = 'churn'", "--order-by", "-version",
        "--registry", root);
    assertTrue(both.out().strip().split("\n")[1].startsWith("churn@1 "), "lowest version first: " + both.out());
    KilnCli.Outcome bad = KilnCli.run("models", "search", "nonsense_column > 1", "--registry", root);
    assertEquals(2, bad.exitCode(), bad.toString());
    assertTrue(bad.err().contains("cannot search the registry with 'nonsense_column > 1'"), bad.err());
  }

  @Test
  void unknownModelsAndBadNamesExitWithTwo() {
    KilnCli.Outcome missing = KilnCli.run("models", "show", "fraud@3", "--registry", root);
    assertEquals(2, missing.exitCode(), missing.toString());
    assertTrue(missing.err().startsWith("kiln models show: no model fraud@3 in the registry"), missing.err());
    KilnCli.Outcome traversal = KilnCli.run("models", "show", "../../etc@1", "--registry", root);
    assertEquals(2, traversal.exitCode(), traversal.toString());
    assertTrue(traversal.err().contains("'../../etc' is not a valid model name"), traversal.err());
    KilnCli.Outcome badAlias = KilnCli.run("models", "alias", "churn", "../x", "1", "--registry", root);
    assertEquals(2, badAlias.exitCode(), badAlias.toString());
    KilnCli.Outcome noVersion = KilnCli.run("models", "alias", "churn", "champion", "7", "--registry", root);
    assertEquals(2, noVersion.exitCode(), noVersion.toString());
    assertTrue(noVersion.err().contains("there is no churn@7"), noVersion.err());
  }

  private static ModelVersion version(DeltaRegistry registry, double auc, String maxIter) {
    String run = UUID.randomUUID().toString();
    return new ModelVersion("churn", 0, run, Instant.now().truncatedTo(ChronoUnit.MICROS),
        registry.artifactLocation("churn", run) + "/model", Map.of("auc_roc", auc),
        Map.of("algorithm", "gbt", "maxIter", maxIter),
        new ModelVersion.Lineage("file:/data/churn", "delta", Optional.of(4L), "bernoulli fraction=1.0 seed=42",
            "exact", "hash of customer_id"), Map.of("source_rows", 100L), "pipeline.name = churn", "0123456789abcdef",
        "{}", Map.of());
  }
}

package dev.kiln.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.registry.DeltaRegistry;
import dev.kiln.registry.ModelVersion;
import dev.kiln.registry.PromotionDecision;
import dev.kiln.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln retrain} over days of data arriving in one Delta table: the first run takes the alias, a run with
 * nothing new trains nothing, a day whose churn behaviour changed yields a challenger that wins on that day's
 * held-out rows, and a challenger that does not beat the margin is registered but kept out.
 */
class RetrainCommandTest {

  @TempDir
  Path dir;

  @Test
  void promotesOnlyAChallengerThatWinsOnNewRows() throws Exception {
    String table = dir.resolve("churn").toString();
    String registry = dir.resolve("wh/registry").toString();
    Path conf = dir.resolve("retrain.conf");
    Files.writeString(conf, """
        warehouse = "%s"
        pipeline.name = churn-retrain
        source { format = delta, path = "%s" }
        clean.dedup { key = [customer_id], latest-by = updated_at }
        features { label = churned, numeric = [tenure_months, monthly_charges, support_calls],
                   categorical = [contract, payment_method, plan] }
        model { algorithm = logistic-regression, params { maxIter = 30 } }
        evaluation { split-by = [customer_id] }
        retraining { margin = 0.01, guardrails.min-test-rows = 300 }
        spark.partitions = 2
        """.formatted(dir.resolve("wh"), table));
    generate("--rows", "6000", "--seed", "1", "--output", table);

    KilnCli.Outcome dry = KilnCli.run("retrain", conf.toString(), "--run-date", "2026-11-21", "--dry-run");
    assertEquals(0, dry.exitCode(), dry.toString());
    assertTrue(dry.out().contains("move churn-retrain@champion if it wins"), dry.out());

    KilnCli.Outcome first = KilnCli.run("retrain", conf.toString(), "--run-date", "2026-11-21");
    assertEquals(0, first.exitCode(), first.toString());
    assertTrue(first.out().contains("promoted churn-retrain@1 to champion (auc_roc"), first.out());
    assertTrue(first.out().contains("no champion: the challenger takes the alias"), first.out());

    KilnCli.Outcome nothingNew = KilnCli.run("retrain", conf.toString(), "--run-date", "2026-11-22");
    assertEquals(0, nothingNew.exitCode(), nothingNew.toString());
    assertTrue(nothingNew.out().contains("nothing to train: no rows arrived after version 0"), nothingNew.out());

    // Day 2: new customers whose churn behaviour turned around; the champion never saw them.
    generate("--rows", "6000", "--seed", "2", "--shift", "1", "--start-date", "2026-11-22", "--first-customer",
        "100000", "--append", "--output", table);
    KilnCli.Outcome second = KilnCli.run("retrain", conf.toString(), "--run-date", "2026-11-23");
    assertEquals(0, second.exitCode(), second.toString());
    assertTrue(second.out().contains("the rows that arrived after version 0 (through version 1)"), second.out());
    assertTrue(second.out().contains("promoted churn-retrain@2 to champion over @1"), second.out());
    assertTrue(second.out().contains("churn-retrain@1 on the same held-out rows"), second.out());

    // Day 3 follows day 2's behaviour: a fresh challenger is no better by the (now large) margin, so it stays out.
    generate("--rows", "6000", "--seed", "3", "--shift", "1", "--start-date", "2026-11-23", "--first-customer",
        "200000", "--append", "--output", table);
    KilnCli.Outcome third = KilnCli.run("retrain", conf.toString(), "--conf", "retraining.margin=0.2");
    assertEquals(0, third.exitCode(), third.toString());
    assertTrue(third.out().contains("kept churn-retrain@champion = @2: challenger @3 not promoted"), third.out());
    assertTrue(third.out().contains("short of margin 0.2"), third.out());

    DeltaRegistry reading = new DeltaRegistry(SharedSpark.session(), "file:" + registry);
    assertEquals(2L, reading.aliases("churn-retrain").get("champion"));
    List<PromotionDecision> decisions = reading.decisions("churn-retrain");
    assertEquals(List.of(true, true, false), decisions.stream().map(PromotionDecision::promoted).toList());
    PromotionDecision won = decisions.get(1);
    assertEquals(1L, won.championVersion().orElseThrow());
    assertEquals("auc_roc", won.metric());
    assertTrue(won.challengerValue() - won.championValue().orElseThrow() >= 0.01, won.toString());
    assertTrue(won.testRows() >= 300 && won.testRows() < 2000, "day 2's held-out rows only: " + won);
    // The challenger's lineage says what it learnt from: version 1 of the table, only the rows after version 0.
    ModelVersion second2 = reading.get("churn-retrain", 2).orElseThrow();
    assertEquals(1L, second2.lineage().sourceVersion().orElseThrow());
    assertTrue(second2.config().matches("(?s).*after-version=\"?0\"?\n.*"), second2.config());
    assertTrue(second2.ledger().get("source_rows") <= 6000, second2.ledger().toString());
    assertFalse(reading.get("churn-retrain", 3).orElseThrow().tags().isEmpty());
    KilnCli.Outcome shown = KilnCli.run("models", "show", "churn-retrain@3", "--registry", registry);
    assertEquals(0, shown.exitCode(), shown.toString());
    assertTrue(shown.out().contains("decision") && shown.out().contains("challenger @3 not promoted")
        && shown.out().contains("because  auc_roc"), shown.out());
  }

  @Test
  void sinceChampionNeedsADeltaSource() throws Exception {
    Path conf = dir.resolve("generated.conf");
    Files.writeString(conf, """
        warehouse = "%s"
        pipeline.name = churn-generated
        source { format = generated, generated { rows = 2000, seed = 3 } }
        features { label = churned, numeric = [tenure_months, monthly_charges], categorical = [plan] }
        model { algorithm = logistic-regression, params { maxIter = 10 } }
        retraining.guardrails.min-test-rows = 10
        spark.partitions = 2
        """.formatted(dir.resolve("wh")));
    KilnCli.Outcome first = KilnCli.run("retrain", conf.toString());
    assertEquals(0, first.exitCode(), first.toString());
    KilnCli.Outcome again = KilnCli.run("retrain", conf.toString());
    assertEquals(2, again.exitCode(), again.toString());
    assertTrue(again.err().contains("since-champion needs a delta source"), again.err());
    assertFalse(again.err().contains("\tat "), "no stack trace: " + again.err());
  }

  private static void generate(String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "generate";
    System.arraycopy(args, 0, command, 1, args.length);
    KilnCli.Outcome generated = KilnCli.run(command);
    assertEquals(0, generated.exitCode(), generated.toString());
  }
}

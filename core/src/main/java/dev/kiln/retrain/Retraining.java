package dev.kiln.retrain;

import dev.kiln.config.PipelineConfig;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.evaluate.Evaluation;
import dev.kiln.pipeline.TrainingLoop;
import dev.kiln.registry.ModelArtifacts;
import dev.kiln.registry.ModelVersion;
import dev.kiln.registry.PromotionDecision;
import dev.kiln.registry.Registry;
import dev.kiln.train.Task;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One round of gated retraining: train a challenger with the loop, measure it and the champion on the challenger's
 * held-out rows, register the challenger, move the alias if {@link PromotionGate} says so, record the decision.
 *
 * <p>Which rows the challenger learns from is the config's business: with {@code retraining.data = since-champion}
 * the caller sets {@code source.after-version} to {@link #trainedOnVersion} of the champion, so the challenger's
 * training and held-out rows all arrived after the champion's data and the comparison is on rows neither model saw.
 * The challenger is always registered (a rejected challenger is still worth inspecting); only the alias waits for
 * the gate. The alias moves before the decision is recorded, and the move's reason carries the decision, so a crash
 * between the two loses no explanation.
 */
public final class Retraining {

  /** What one round did. */
  public record Outcome(ModelVersion challenger, Optional<ModelVersion> champion, PromotionDecision decision,
      TrainingLoop.Trained trained, Optional<Evaluation> championEvaluation) {}

  private final PipelineConfig config;
  private final Registry registry;
  private final TrainingLoop.Progress progress;

  public Retraining(PipelineConfig config, Registry registry, TrainingLoop.Progress progress) {
    this.config = config;
    this.registry = registry;
    this.progress = progress;
  }

  /** The version {@code retraining.alias} of the config's model points at, if the alias is set. */
  public Optional<ModelVersion> champion() {
    String name = config.model().name();
    Long version = registry.aliases(name).get(config.retraining().alias());
    return version == null ? Optional.empty() : registry.get(name, version);
  }

  /**
   * The Delta source version {@code champion} was trained on, for {@code source.after-version}.
   *
   * @throws InvalidConfigException when the source is not a Delta table (only Delta versions say what is new)
   * @throws InvalidInputException when the champion was trained on another source or recorded no version
   */
  public static long trainedOnVersion(ModelVersion champion, PipelineConfig config) {
    if (!"delta".equals(config.source().format())) {
      throw new InvalidConfigException(List.of(new dev.kiln.errors.ConfigProblem("the config", "retraining.data",
          "since-champion needs a delta source (its versions say which rows are new), not "
              + config.source().format() + ": use retraining.data = all, with sample.window for a rolling window")));
    }
    String source = config.source().path().orElseThrow();
    if (!champion.lineage().sourceUri().equals(source) || champion.lineage().sourceVersion().isEmpty()) {
      throw new InvalidInputException("the champion " + champion.ref() + " was trained on "
          + champion.lineage().sourceFormat() + " " + champion.lineage().sourceUri()
          + champion.lineage().sourceVersion().map(v -> " @ version " + v).orElse(" (no version)") + ", not on a "
          + "version of " + source + ": the rows new since it cannot be told apart (retraining.data = all)");
    }
    return champion.lineage().sourceVersion().get();
  }

  /** Trains, compares, registers and decides; {@code data} says what the challenger was trained on, for the record. */
  public Outcome run(TrainingLoop loop, Optional<ModelVersion> champion, String data) {
    String name = config.model().name();
    String alias = config.retraining().alias();
    return loop.train((trained, heldOut) -> {
      Task task = Task.named(trained.params().get("task"));
      Optional<Evaluation> championEvaluation = champion.map(c -> {
        String championTask = c.params().getOrDefault("task", task.configName());
        if (!championTask.equals(task.configName())) {
          throw new InvalidInputException("the champion " + c.ref() + " is a " + championTask + " model and the "
              + "challenger a " + task.configName() + " one: they cannot be compared");
        }
        Evaluation evaluation = loop.evaluation(ModelArtifacts.load(c), heldOut, task);
        progress.step("champion", c.ref() + " on the same held-out rows: "
            + TrainingLoop.formatMetrics(evaluation.metrics()));
        return evaluation;
      });
      PromotionGate.Verdict verdict = new PromotionGate(config.retraining()).judge(trained.evaluation(),
          championEvaluation);
      Map<String, String> tags = new LinkedHashMap<>();
      tags.put("retraining", champion.map(c -> "challenger of " + c.ref()).orElse("first " + alias));
      ModelVersion challenger = loop.register(registry, trained, tags);
      PromotionDecision decision = new PromotionDecision(name, alias, Instant.now(), loop.runId(),
          champion.map(ModelVersion::version), challenger.version(), verdict.metric(), verdict.championValue(),
          verdict.challengerValue(), config.retraining().margin(), verdict.promote(), verdict.reasons(),
          Math.round(trained.metrics().getOrDefault("test_rows", 0.0)), data);
      if (decision.promoted()) {
        registry.setAlias(name, alias, challenger.version(), "retraining run " + loop.runId() + ": "
            + decision.summary());
      }
      registry.recordDecision(decision);
      progress.step("decide", decision.summary());
      return new Outcome(challenger, champion, decision, trained, championEvaluation);
    });
  }
}

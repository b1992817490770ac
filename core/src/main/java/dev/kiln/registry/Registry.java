package dev.kiln.registry;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Models, their versions and aliases. A registered version is never changed or removed by the registry.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #register} allocates the next version of the name and makes the whole record visible atomically;
 *       concurrent registrations of one name get distinct, consecutive versions and none is lost. The artifact the
 *       record points to must already be written.</li>
 *   <li>{@link #resolve} turns a {@link ModelRef} into a version or fails with a message naming the reference.</li>
 *   <li>Alias moves are kept as history; the current target of an alias is its latest move.</li>
 * </ul>
 */
public interface Registry {

  /**
   * Registers {@code candidate} under the next version of its name.
   *
   * @param candidate the record to store; its {@code version} is ignored
   * @return the stored record, with its version
   */
  ModelVersion register(ModelVersion candidate);

  Optional<ModelVersion> get(String name, long version);

  Optional<ModelVersion> latest(String name);

  /** The version {@code ref} names. */
  ModelVersion resolve(ModelRef ref);

  /** Every version of {@code name}, oldest first. */
  List<ModelVersion> versions(String name);

  /** The latest version of every registered model, by name. */
  List<ModelVersion> models();

  /**
   * Versions matching a SQL condition over the {@code model_versions} columns, best first by {@code orderBy}, e.g.
   * {@code metrics['auc_roc'] > 0.8 and tags['team'] = 'risk'}.
   *
   * @throws dev.kiln.errors.InvalidInputException when the condition is not valid SQL over those columns
   */
  List<ModelVersion> search(String condition, String orderBy, int limit);

  /** Every version, of any model, trained on the source at {@code sourceUri}. */
  List<ModelVersion> versionsReading(String sourceUri);

  /** Points {@code name@alias} at {@code version}, which must exist. */
  AliasMove setAlias(String name, String alias, long version, String reason);

  /** The current aliases of {@code name}: alias to version. */
  Map<String, Long> aliases(String name);

  /** Every move of every alias of {@code name}, oldest first. */
  List<AliasMove> aliasHistory(String name);

  /** Records what gated retraining decided about a challenger (an append; decisions are never changed). */
  void recordDecision(PromotionDecision decision);

  /** Every promotion decision about {@code name}, oldest first. */
  List<PromotionDecision> decisions(String name);

  /** Records a run's new state; the latest record of a run is its state. */
  void recordRun(RunRecord run);

  /** The current state of every run, newest first; of one pipeline when {@code pipeline} is given. */
  List<RunRecord> runs(Optional<String> pipeline, int limit);

  Optional<RunRecord> run(String runId);

  /** Where a new version's artifacts go: a fresh location per run, so no write ever replaces a registered model. */
  String artifactLocation(String name, String runId);
}

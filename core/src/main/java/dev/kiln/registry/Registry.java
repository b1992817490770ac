package dev.kiln.registry;

import java.util.List;
import java.util.Optional;

/**
 * Models and their versions. Implementations store them durably; a registered version is never changed.
 *
 * <p>Contract: {@link #register} allocates the next version number for the name and makes the record visible
 * atomically — a reader sees the whole record or nothing. The artifact it points to must already be written.
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

  /** Every version of {@code name}, oldest first. */
  List<ModelVersion> versions(String name);

  /** Where a new version's artifacts go: a fresh location per run, so no write ever replaces a registered model. */
  String artifactLocation(String name, String runId);
}

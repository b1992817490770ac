package dev.kiln.serving;

import dev.kiln.registry.ModelVersion;
import dev.kiln.score.RowScorer;

/**
 * Turns a registered version into a scorer. Called on the reload thread, never on a request thread; it may take
 * seconds (reading the saved pipeline) and may fail, in which case the server keeps the model it has.
 */
@FunctionalInterface
public interface ModelLoader {

  /**
   * @throws RuntimeException when the version cannot be loaded; a {@link dev.kiln.errors.KilnException}'s message
   *     (e.g. naming an unsupported stage) is logged as it is
   */
  RowScorer load(ModelVersion version);
}

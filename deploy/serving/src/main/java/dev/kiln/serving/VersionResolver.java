package dev.kiln.serving;

import dev.kiln.registry.ModelRef;
import dev.kiln.registry.ModelVersion;

/** Which version a reference names right now; {@code registry::resolve} of a {@link dev.kiln.registry.Registry}. */
@FunctionalInterface
public interface VersionResolver {

  /** @throws RuntimeException when the reference names nothing or the registry cannot be read */
  ModelVersion resolve(ModelRef ref);
}

package dev.kiln.serving;

import dev.kiln.registry.ModelRef;
import dev.kiln.registry.ModelVersion;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** Which version a reference names right now; {@code registry::resolve} of a {@link dev.kiln.registry.Registry}. */
@FunctionalInterface
public interface VersionResolver {

  /** @throws RuntimeException when the reference names nothing or the registry cannot be read */
  ModelVersion resolve(ModelRef ref);

  /**
   * {@code resolver}, asked again only when {@code changeToken} has changed since its last answer for the reference
   * (e.g. {@code DeltaRegistry::changeToken}, a listing of the registry's logs): a resolve of the Delta registry runs
   * Spark jobs, which would take the serving process's cores from requests at every poll.
   */
  static VersionResolver askingOnlyAfterChanges(Supplier<String> changeToken, VersionResolver resolver) {
    record Answer(String token, ModelVersion version) {}
    Map<ModelRef, Answer> answers = new ConcurrentHashMap<>();
    return ref -> {
      String token = changeToken.get();
      Answer known = answers.get(ref);
      if (known != null && known.token().equals(token)) {
        return known.version();
      }
      ModelVersion version = resolver.resolve(ref);
      answers.put(ref, new Answer(token, version));
      return version;
    };
  }
}

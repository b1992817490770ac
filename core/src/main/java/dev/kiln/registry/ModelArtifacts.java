package dev.kiln.registry;

import dev.kiln.errors.InvalidInputException;
import org.apache.spark.ml.PipelineModel;

/** Loads the fitted pipeline of a registered version, failing with a message that names the version. */
public final class ModelArtifacts {

  private ModelArtifacts() {}

  public static PipelineModel load(ModelVersion version) {
    try {
      return PipelineModel.load(version.artifactUri());
    } catch (Exception e) {  // Scala code throws checked IOExceptions (Hadoop's InvalidInputException) undeclared
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String why = root instanceof java.io.FileNotFoundException
          || String.valueOf(root.getMessage()).contains("does not exist")
          ? "is missing" : "cannot be read (" + root.getClass().getSimpleName() + ": " + firstLine(root) + ")";
      throw new InvalidInputException("model " + version.ref() + ": its artifact at " + version.artifactUri() + " "
          + why, e);
    }
  }

  private static String firstLine(Throwable t) {
    String message = String.valueOf(t.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}

package dev.kiln.train;

import java.util.Arrays;
import java.util.List;

/**
 * What a model predicts, which decides the estimators that apply, the label the pipeline trains on and the metrics
 * that measure it. A config says {@code model.task = auto} (the default) to let the label decide: boolean, or numeric
 * holding only 0 and 1, is {@link #BINARY}; text is {@link #MULTICLASS}; any other number is {@link #REGRESSION}.
 */
public enum Task {
  /** Two classes, labelled 0 and 1 (or false and true). */
  BINARY("binary"),
  /** Two or more classes: text labels (indexed inside the pipeline) or whole numbers 0, 1, ..., k-1. */
  MULTICLASS("multiclass"),
  /** A real-valued label. */
  REGRESSION("regression");

  /** The config value that lets the label decide. */
  public static final String AUTO = "auto";

  private final String configName;

  Task(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  public boolean classification() {
    return this != REGRESSION;
  }

  /** Every value {@code model.task} accepts. */
  public static List<String> configNames() {
    List<String> names = new java.util.ArrayList<>(List.of(AUTO));
    Arrays.stream(values()).map(Task::configName).forEach(names::add);
    return List.copyOf(names);
  }

  public static Task named(String configName) {
    return Arrays.stream(values()).filter(t -> t.configName.equals(configName)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown task " + configName + "; one of " + configNames()));
  }
}

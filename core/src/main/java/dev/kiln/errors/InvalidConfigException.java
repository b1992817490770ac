package dev.kiln.errors;

import java.util.List;

/** A pipeline configuration broke one or more rules; every problem found is listed, not only the first. */
public final class InvalidConfigException extends KilnException {

  private final List<ConfigProblem> problems;

  public InvalidConfigException(List<ConfigProblem> problems) {
    super(render(problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("an InvalidConfigException needs at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  public List<ConfigProblem> problems() {
    return problems;
  }

  @Override
  public int exitCode() {
    return 2;
  }

  private static String render(List<ConfigProblem> problems) {
    StringBuilder text = new StringBuilder();
    text.append("invalid configuration: ").append(problems.size())
        .append(problems.size() == 1 ? " problem" : " problems");
    for (ConfigProblem problem : problems) {
      text.append(System.lineSeparator()).append("  - ").append(problem);
    }
    return text.toString();
  }
}

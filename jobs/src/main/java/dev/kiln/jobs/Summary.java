package dev.kiln.jobs;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** The few lines a command prints when it is done: a title, then aligned {@code label  value} lines. */
public final class Summary {

  private final String title;
  private final List<String[]> lines = new ArrayList<>();

  public Summary(String title) {
    this.title = title;
  }

  public Summary line(String label, String value) {
    lines.add(new String[] {label, value});
    return this;
  }

  public String value(String label) {
    return lines.stream().filter(l -> l[0].equals(label)).map(l -> l[1]).findFirst().orElse(null);
  }

  public void print(PrintWriter out, double seconds) {
    out.println();
    out.println("kiln " + title + String.format(" — done in %.1f s", seconds));
    for (String[] line : lines) {
      out.printf("  %-10s %s%n", line[0], line[1]);
    }
    out.flush();
  }
}

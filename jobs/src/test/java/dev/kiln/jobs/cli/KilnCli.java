package dev.kiln.jobs.cli;

import dev.kiln.jobs.SharedSessionFactory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import picocli.CommandLine;

/** Runs the kiln CLI in the test JVM, on the shared SparkSession, capturing what it prints. */
public final class KilnCli {

  /** What one command did. */
  public record Outcome(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  private KilnCli() {}

  public static Outcome run(String... args) {
    return run(Map.of(), args);
  }

  public static Outcome run(Map<String, String> environment, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = Kiln.commandLine(new Kiln(new SharedSessionFactory(), environment));
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    int code = line.execute(args);
    return new Outcome(code, out.toString(), err.toString());
  }
}

package dev.kiln.jobs.cli;

import dev.kiln.errors.KilnException;
import dev.kiln.jobs.SessionFactory;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParseResult;

/** The kiln command line: {@code kiln <command> [options]}. Entry point of the application jar. */
@Command(name = "kiln", mixinStandardHelpOptions = true, versionProvider = Kiln.Version.class,
    description = {"Kiln turns high-volume data into deployed, monitored models on Apache Spark.",
        "Each command runs in local mode (bin/kiln), on a cluster (spark-submit --class dev.kiln.jobs.cli.Kiln "
            + "kiln.jar ...) or as an Airflow task, with the same config.",
        "Config layers, lowest first: conf/defaults.conf < PIPELINE_CONF < KILN_CONF_<path> environment variables "
            + "(KILN_CONF_sample_fraction=0.1) < --conf key=value."},
    subcommands = {GenerateCommand.class, RunCommand.class, SampleCommand.class, CleanCommand.class,
        TrainCommand.class, EvaluateCommand.class, ModelsCommand.class, RunsCommand.class, ReproduceCommand.class, VacuumCommand.class,
        ProfileCommand.class, ContractCommand.class, ServeCommand.class, IngestPredictionsCommand.class,
        ScoreCommand.class, MonitorCommand.class, RetrainCommand.class,
        CommandLine.HelpCommand.class})
public final class Kiln implements Runnable {

  private final SessionFactory sessions;
  private final Map<String, String> environment;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public Kiln() {
    this(SessionFactory.standard(), System.getenv());
  }

  public Kiln(SessionFactory sessions, Map<String, String> environment) {
    this.sessions = sessions;
    this.environment = Map.copyOf(environment);
  }

  SessionFactory sessions() {
    return sessions;
  }

  Map<String, String> environment() {
    return environment;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /** A command line wired with Kiln's exit codes, listed in every command's help, and one-line error messages. */
  public static CommandLine commandLine(Kiln kiln) {
    CommandLine line = new CommandLine(kiln);
    line.setExecutionExceptionHandler(Kiln::onFailure);
    listExitCodes(line);
    return line;
  }

  private static void listExitCodes(CommandLine line) {
    line.getCommandSpec().usageMessage().exitCodeListHeading(ExitCodes.HEADING).exitCodeList(ExitCodes.DESCRIPTIONS);
    line.getSubcommands().values().forEach(Kiln::listExitCodes);
  }

  public static void main(String[] args) {
    int code = commandLine(new Kiln()).execute(args);
    System.exit(code);
  }

  /**
   * Expected failures print their message, one problem a line, and exit with their code; anything else is a
   * run-time failure (exit 1) shown as one line, with the stack trace only on --stacktrace.
   */
  private static int onFailure(Exception failure, CommandLine line, ParseResult parsed) {
    PrintWriter err = line.getErr();
    boolean stacktrace = false;
    for (ParseResult level = parsed; level != null; level = level.subcommand()) {
      stacktrace |= level.hasMatchedOption("--stacktrace");
    }
    String command = line.getCommandSpec().qualifiedName(" ");
    KilnException expected = find(failure, KilnException.class);
    // Delta's optimistic concurrency: the other writer's commit won; this one's data files are left uncommitted.
    java.util.ConcurrentModificationException conflict = find(failure, java.util.ConcurrentModificationException.class);
    int code;
    if (expected != null) {
      err.println(command + ": " + expected.getMessage());
      code = expected.exitCode();
    } else if (conflict != null) {
      err.println(command + ": another run committed to the same table first (" + conflict.getClass().getSimpleName()
          + "); nothing of this run was committed: run it again");
      code = ExitCodes.CONFLICT;
    } else {
      org.apache.spark.sql.AnalysisException analysis = find(failure, org.apache.spark.sql.AnalysisException.class);
      if (analysis != null) {
        err.println(command + ": the data does not fit the config: " + analysis.getSimpleMessage());
        code = ExitCodes.USAGE;
      } else {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
          root = root.getCause();
        }
        err.println(command + ": failed: " + root.getClass().getSimpleName() + ": " + firstLine(root.getMessage())
            + (stacktrace ? "" : " (run with --stacktrace for details)"));
        code = ExitCodes.FAILED;
      }
    }
    if (stacktrace) {
      failure.printStackTrace(err);
    }
    err.flush();
    return code;
  }

  private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Kiln.class.getPackage().getImplementationVersion();
      return new String[] {"kiln " + (version == null ? "(development build)" : version),
          "Spark " + org.apache.spark.package$.MODULE$.SPARK_VERSION()};
    }
  }
}

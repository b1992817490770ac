package dev.kiln.jobs;

import dev.kiln.config.HadoopPaths;
import dev.kiln.config.PipelineConfig;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.profile.ColumnKind;
import dev.kiln.profile.HtmlReport;
import dev.kiln.profile.Profile;
import dev.kiln.profile.Profile.ColumnProfile;
import dev.kiln.profile.ProfileRun;
import dev.kiln.profile.ProfileStore;
import dev.kiln.profile.Profiler;
import dev.kiln.profile.SparkProfiler;
import dev.kiln.report.ReportFile;
import dev.kiln.source.DeltaSource;
import dev.kiln.source.SourceSnapshot;
import io.delta.tables.DeltaTable;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;

/**
 * The job behind {@code kiln profile}: profiles a step table, appends the profile to the pipeline's profile history
 * (a Delta table: one commit per run, earlier runs never rewritten) and writes the HTML report.
 */
public final class ProfileJob {

  private final SparkSession spark;
  private final PipelineConfig config;
  private final Profiler profiler;

  public ProfileJob(SparkSession spark, PipelineConfig config) {
    this.spark = spark;
    this.config = config;
    this.profiler = new SparkProfiler();
  }

  /** The profile history: {@code <warehouse>/pipelines/<name>/profiles}. */
  public static String profilesTable(PipelineConfig config) {
    return HadoopPaths.child(config.warehouse(), "pipelines/" + config.name() + "/profiles");
  }

  /** Where the report goes by default: {@code <warehouse>/pipelines/<name>/profile.html}, beside the history. */
  public static String defaultReport(PipelineConfig config) {
    return HadoopPaths.child(config.warehouse(), "pipelines/" + config.name() + "/profile.html");
  }

  /**
   * Profiles {@code input}, or else the pipeline's clean table, or else its sample table (both Delta), and writes
   * {@code report}.
   *
   * @throws InvalidInputException if the table given, or both default ones, are not Delta tables
   */
  public Summary run(Optional<String> input, String report) {
    String table = input.orElseGet(this::defaultInput);
    if (!DeltaTable.isDeltaTable(spark, table)) {
      throw new InvalidInputException("no Delta table at " + table);
    }
    SourceSnapshot snapshot = new DeltaSource(table).read(spark);
    String label = config.features().label();
    // A sample table keeps Kiln's bookkeeping columns (source file, malformed text) for the clean step: not data.
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows = snapshot.rows().select(
        dev.kiln.source.Source.dataColumns(snapshot.rows()).stream().map(c -> org.apache.spark.sql.functions.col(
            "`" + c + "`")).toArray(org.apache.spark.sql.Column[]::new));
    boolean labelled = Arrays.asList(rows.columns()).contains(label);
    Profile profile = profiler.profile(rows, labelled ? Optional.of(label) : Optional.empty());

    ProfileRun run = ProfileRun.start(snapshot.describe());
    ProfileStore store = new ProfileStore(spark, profilesTable(config));
    store.append(run, profile);
    ReportFile.write(report, HtmlReport.render(profile, run), spark.sparkContext().hadoopConfiguration());

    return new Summary("profile " + config.name())
        .line("input", snapshot.describe())
        .line("profiled", String.format(Locale.ROOT, "%,d rows, %d columns (%s)", profile.rows(),
            profile.columns().size(), kinds(profile)))
        .line("label", labelled ? label : "none (" + label + " is not a column of the table)")
        .line("missing", mostMissing(profile))
        .line("strongest", strongest(profile))
        .line("history", store.path() + " (run " + run.id() + ", " + store.runs().size() + " runs)")
        .line("report", report);
  }

  /** The clean table if {@code kiln clean} wrote one, else the sample. */
  private String defaultInput() {
    String clean = PipelineJobs.cleanTable(config);
    String sample = PipelineJobs.sampleTable(config);
    if (DeltaTable.isDeltaTable(spark, clean)) {
      return clean;
    }
    if (DeltaTable.isDeltaTable(spark, sample)) {
      return sample;
    }
    throw new InvalidInputException("nothing to profile: no Delta table at " + clean + " or " + sample
        + " (run kiln sample first, or pass --input)");
  }

  private static String kinds(Profile profile) {
    return Arrays.stream(ColumnKind.values()).map(kind -> {
      long n = profile.columns().stream().filter(c -> c.kind() == kind).count();
      return n == 0 ? null : n + " " + kind.name().toLowerCase(Locale.ROOT);
    }).filter(s -> s != null).collect(Collectors.joining(", "));
  }

  private static String mostMissing(Profile profile) {
    String most = profile.columns().stream().filter(c -> c.missingShare(profile.rows()) > 0)
        .sorted(Comparator.comparingDouble((ColumnProfile c) -> -c.missingShare(profile.rows()))).limit(3)
        .map(c -> String.format(Locale.ROOT, "%s %.1f%%", c.name(), 100 * c.missingShare(profile.rows())))
        .collect(Collectors.joining(", "));
    return most.isEmpty() ? "no nulls, NaN or infinities" : most;
  }

  private static String strongest(Profile profile) {
    String strongest = profile.associations().stream()
        .sorted(Comparator.comparingDouble(a -> -Math.abs(a.value()))).limit(3)
        .map(a -> String.format(Locale.ROOT, "%s %s %.3f", a.feature(), a.method(), a.value()))
        .collect(Collectors.joining(", "));
    return strongest.isEmpty() ? "no association with a label measured" : "with the label: " + strongest;
  }
}

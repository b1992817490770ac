package dev.kiln.sample;

import dev.kiln.config.PipelineConfig.SampleConfig;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.source.FileBlocks;
import dev.kiln.source.Pushdown;
import dev.kiln.source.ReadRequest;
import dev.kiln.source.Source;
import dev.kiln.source.SourceSnapshot;
import dev.kiln.source.TimeWindow;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Takes the sample a {@link SampleConfig} describes from a {@link Source}: the time window and as much of the
 * sampling as the source can do are pushed to it (a database's TABLESAMPLE, a choice of whole files), and the rest is
 * finished in Spark with seeded hashes, so the same seed and source version give the same rows.
 *
 * <p>Exact strategies (a fixed size, per-stratum counts) first count the rows in the window — in the database for
 * JDBC sources — then ask the source for a little more than they need (four standard deviations over the expected
 * count), and take exactly their rows from that. Should the source return too few, which the margin makes rare, the
 * source is read whole instead; the result is exact either way.
 */
public final class SourceSampler {

  private final SampleConfig config;
  private final Optional<TimeWindow> window;

  /** @param clock gives the end of a window configured without one ("the last 90 days" ends now) */
  public SourceSampler(SampleConfig config, Clock clock) {
    this.config = config;
    this.window = config.window().map(w -> {
      Instant end = w.end().orElseGet(clock::instant);
      return new TimeWindow(w.column(), end.minus(w.last()), end);
    });
  }

  /** The window with its bounds resolved, as the sample records them. */
  public Optional<TimeWindow> window() {
    return window;
  }

  /**
   * The sample, lazily: the returned rows are not read until an action runs. Exact strategies run counting queries
   * here.
   */
  public TakenSample take(SparkSession spark, Source source) {
    return switch (config.strategy()) {
      case "fixed" -> fixed(spark, source);
      case "stratified" -> config.strataCounts().isEmpty() ? stratifiedByFraction(spark, source)
          : stratifiedByCount(spark, source);
      default -> bernoulli(spark, source);
    };
  }

  private TakenSample bernoulli(SparkSession spark, Source source) {
    SourceSnapshot snapshot = source.read(spark, request(config.fraction()));
    double rest = config.fraction() / snapshot.pushdown().appliedFraction();
    Sampler finish = new BernoulliSampler(Math.min(1.0, rest), config.seed());
    UnaryOperator<Dataset<Row>> rows = rest >= 1.0 - 1e-12 ? UnaryOperator.identity() : finish::sample;
    return new TakenSample(snapshot, rows, new BernoulliSampler(config.fraction(), config.seed()).describe(),
        List.of());
  }

  private TakenSample fixed(SparkSession spark, Source source) {
    long size = config.size().orElseThrow();
    long available = source.countRows(spark, window, Optional.empty()).values().stream().mapToLong(n -> n).sum();
    double fraction = withMargin(size, available);
    SourceSnapshot snapshot = source.read(spark, request(fraction));
    List<String> notes = new ArrayList<>();
    if (snapshot.pushdown().appliedFraction() < 1.0 && snapshot.rows().count() < Math.min(size, available)) {
      notes.add("the sample read at the source was short of " + size + " rows; the source was read whole");
      snapshot = source.read(spark, request(1.0));
    }
    if (available < size) {
      notes.add(String.format(Locale.ROOT, "the source has %,d rows in scope, fewer than the %,d asked for: "
          + "all are kept", available, size));
    }
    Sampler exact = new FixedSizeSampler(size, config.seed());
    return new TakenSample(snapshot, exact::sample, exact.describe(), notes);
  }

  private TakenSample stratifiedByFraction(SparkSession spark, Source source) {
    String column = config.stratifyBy().orElseThrow();
    double widest = config.strataFractions().values().stream().mapToDouble(f -> f).max().orElse(1.0);
    SourceSnapshot snapshot = source.read(spark, request(Math.max(widest, 1e-9)));
    checkColumn(snapshot, column);
    double applied = snapshot.pushdown().appliedFraction();
    Map<String, Double> rest = new LinkedHashMap<>();
    config.strataFractions().forEach((k, f) -> rest.put(k, Math.min(1.0, f / applied)));
    Sampler finish = StratifiedSampler.byFraction(column, rest, config.seed());
    return new TakenSample(snapshot, finish::sample,
        StratifiedSampler.byFraction(column, config.strataFractions(), config.seed()).describe(), List.of());
  }

  private TakenSample stratifiedByCount(SparkSession spark, Source source) {
    String column = config.stratifyBy().orElseThrow();
    Map<String, Long> available = source.countRows(spark, window, Optional.of(column));
    Map<String, Long> wanted = new LinkedHashMap<>();
    double widest = 0;
    List<String> notes = new ArrayList<>();
    for (Map.Entry<String, Long> stratum : available.entrySet()) {
      String key = stratum.getKey();
      long count = config.strataCounts().getOrDefault(key == null ? StratifiedSampler.OTHERS : key,
          config.strataCounts().getOrDefault(StratifiedSampler.OTHERS, 0L));
      if (count == 0) {
        continue;
      }
      wanted.put(key, Math.min(count, stratum.getValue()));
      widest = Math.max(widest, withMargin(count, stratum.getValue()));
      if (stratum.getValue() < count) {
        notes.add(String.format(Locale.ROOT, "stratum %s=%s has %,d rows, fewer than the %,d asked for: all are kept",
            column, key, stratum.getValue(), count));
      }
    }
    for (Map.Entry<String, Long> listed : config.strataCounts().entrySet()) {
      if (!listed.getKey().equals(StratifiedSampler.OTHERS) && !available.containsKey(listed.getKey())) {
        notes.add("stratum " + column + "=" + listed.getKey() + " has no rows in the source");
      }
    }
    SourceSnapshot snapshot = source.read(spark, request(Math.max(widest, 1e-9)));
    checkColumn(snapshot, column);
    StratifiedSampler exact = StratifiedSampler.byCount(column, config.strataCounts(), config.seed());
    if (snapshot.pushdown().appliedFraction() < 1.0 && isShort(snapshot.rows(), exact, wanted)) {
      notes.add("the sample read at the source was short in some stratum; the source was read whole");
      snapshot = source.read(spark, request(1.0));
    }
    return new TakenSample(snapshot, exact::sample, exact.describe(), notes);
  }

  private static boolean isShort(Dataset<Row> rows, StratifiedSampler sampler, Map<String, Long> wanted) {
    Map<String, Long> got = new LinkedHashMap<>();
    for (Row row : rows.groupBy(sampler.stratum()).count().collectAsList()) {
      got.put(row.isNullAt(0) ? null : row.getString(0), row.getLong(1));
    }
    return wanted.entrySet().stream().anyMatch(e -> got.getOrDefault(e.getKey(), 0L) < e.getValue());
  }

  private static void checkColumn(SourceSnapshot snapshot, String column) {
    if (!List.of(snapshot.rows().columns()).contains(column)) {
      throw new InvalidInputException("sample.stratified.column '" + column + "' is not a column of "
          + snapshot.describe() + " (columns: " + String.join(", ", snapshot.rows().columns()) + ")");
    }
  }

  /**
   * The fraction to ask a source for so that it returns at least {@code wanted} of {@code available} rows with
   * near certainty: the expected count plus four standard deviations (and a few rows), capped at 1.
   */
  static double withMargin(long wanted, long available) {
    if (available <= 0 || wanted >= available) {
      return 1.0;
    }
    double p = (wanted + 4 * Math.sqrt(wanted) + 10) / available;
    return Math.min(1.0, p);
  }

  private ReadRequest request(double fraction) {
    return new ReadRequest(Math.min(1.0, fraction), config.seed(), window, config.blocks());
  }

  /**
   * A sample, not yet read.
   *
   * @param snapshot what the source returned, with its pushdown
   * @param finish what Spark does to the source's rows to finish the sample
   * @param strategy the strategy as configured, e.g. {@code fixed size=1000 seed=42}
   * @param notes what a reader should know (short strata, fallbacks)
   */
  public record TakenSample(SourceSnapshot snapshot, UnaryOperator<Dataset<Row>> finish, String strategy,
      List<String> notes) {

    /** The sampled rows. */
    public Dataset<Row> rows() {
      return finish.apply(snapshot.rows());
    }

    /** The files the rows came from, when the source is files: the chosen ones, else all of them. */
    public List<String> files(SparkSession spark) {
      Pushdown pushdown = snapshot.pushdown();
      if (!pushdown.files().isEmpty()) {
        return pushdown.files();
      }
      if (List.of("delta", "jdbc").contains(snapshot.format())) {
        return List.of();
      }
      return FileBlocks.dataFiles(spark.sparkContext().hadoopConfiguration(), snapshot.uri());
    }
  }
}

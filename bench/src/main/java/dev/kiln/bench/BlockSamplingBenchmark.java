package dev.kiln.bench;

import dev.kiln.bench.SampleRuns.Outcome;
import dev.kiln.bench.SampleRuns.Sampled;
import dev.kiln.source.Pushdown;
import dev.kiln.source.ReadRequest;
import dev.kiln.source.Source;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * Block sampling against row sampling on one file or Delta source: the same fraction and seed, once with
 * {@code blocks} (whole files chosen by a seeded hash of their names, then a Bernoulli for the remainder) and once
 * without (every file read, then Kiln's row Bernoulli). The target is on bytes read, which the machine's load does
 * not change; time is shown alongside.
 */
final class BlockSamplingBenchmark {

  /** Bytes read by a 1 % block sample, as a share of a 1 % row sample's: at most what the issue asks. */
  static final double BYTES_TARGET = 0.03;

  private BlockSamplingBenchmark() {}

  static List<Comparison> run(SparkSession spark, Progress progress, String label, Source source,
      BenchOptions options) {
    Supplier<Sampled> rowSample = () -> SampleRuns.sample(spark, source,
        new ReadRequest(options.fraction(), options.seed(), Optional.empty(), false));
    Supplier<Sampled> blockSample = () -> SampleRuns.sample(spark, source,
        new ReadRequest(options.fraction(), options.seed(), Optional.empty(), true));
    progress.say("%s: %s sample, row sampling (baseline) against block sampling (Kiln)", label,
        percent(options.fraction()));
    Outcome outcome = SampleRuns.duel(spark, progress, label, rowSample, blockSample, options.warmups(),
        options.repetitions());

    // Both sides must deliver a sample of the asked size, or the bytes comparison means nothing. Counted once,
    // outside the measurements.
    long rows = rowSample.get().rows().count();
    long blocks = blockSample.get().rows().count();
    progress.say("%s: the row sample has %,d rows, the block sample %,d", label, rows, blocks);

    Pushdown pushdown = outcome.kiln().get(outcome.kiln().size() - 1).pushdown();
    if (!Pushdown.FILE_BLOCKS.equals(pushdown.method())) {
      throw new IllegalStateException(label + ": the source did not sample blocks: " + pushdown.detail());
    }
    String baseline = String.format(Locale.ROOT, "row sample: all %d files read, Bernoulli %s in Spark (%,d rows)",
        fileCount(pushdown), percent(options.fraction()), rows);
    String kiln = String.format(Locale.ROOT, "block sample: %d of %d files%s (%,d rows)", pushdown.files().size(),
        fileCount(pushdown), pushdown.appliedFraction() > options.fraction()
            ? ", then Bernoulli " + percent(options.fraction() / pushdown.appliedFraction()) : "", blocks);
    return List.of(
        new Comparison(label + " " + percent(options.fraction()) + " sample: bytes read", baseline, kiln,
            Comparison.Unit.BYTES, outcome.bytes(outcome.baseline()), outcome.bytes(outcome.kiln()),
            OptionalDouble.of(BYTES_TARGET)),
        new Comparison(label + " " + percent(options.fraction()) + " sample: time", "as above", "as above",
            Comparison.Unit.SECONDS, outcome.seconds(outcome.baseline()), outcome.seconds(outcome.kiln()),
            OptionalDouble.empty()));
  }

  /** The table's file count: the chosen files over the share they are (FileBlocks reports it exactly). */
  private static long fileCount(Pushdown pushdown) {
    return Math.round(pushdown.files().size() / pushdown.appliedFraction());
  }

  static String percent(double fraction) {
    return String.format(Locale.ROOT, "%s %%", new java.math.BigDecimal(fraction * 100).round(
        new java.math.MathContext(3)).stripTrailingZeros().toPlainString());
  }
}

package dev.kiln.bench;

import dev.kiln.clean.Deduplicator;
import dev.kiln.clean.GroupedImputer;
import dev.kiln.clean.OutlierBounds;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * The cleaning both versions of the benchmark share, through Kiln's own stages:
 *
 * <ol>
 *   <li>{@link Deduplicator} exact deduplication, cached ({@code MEMORY_AND_DISK}) and counted, as Kiln's clean step
 *       caches its rows before it writes them ({@code PipelineJobs.writeStep});</li>
 *   <li>{@link GroupedImputer}, fitted and applied in place: mean of {@code x01}–{@code x11} and mode of
 *       {@code c2}–{@code c5}, per region {@code c1} ({@code x12} and {@code c6} keep their nulls, so the profile
 *       still has some to count);</li>
 *   <li>{@link OutlierBounds} {@code iqr} (k = 1.5) clip of all 12 numeric columns, fitted on the imputed rows and
 *       applied in place.</li>
 * </ol>
 * The cleaned rows are then cached ({@code MEMORY_AND_DISK}) and counted, and the deduplicated ones released: what
 * profiles them reads a materialised clean table, as {@code kiln profile} reads the one {@code kiln clean} wrote.
 * (Without it every job of the naive version would run the imputer's join and the clipping again over 10 million
 * rows.)
 */
final class CleanStep implements AutoCloseable {

  static final List<String> IMPUTED_NUMERIC = CleanProfileData.NUMERIC.subList(0, 11);
  static final List<String> IMPUTED_CATEGORICAL = CleanProfileData.CATEGORICAL.subList(1, 5);

  private final Dataset<Row> cleaned;
  private final long rows;

  private CleanStep(Dataset<Row> cleaned, long rows) {
    this.cleaned = cleaned;
    this.rows = rows;
  }

  /** Cleans {@code raw}: every step runs here, and the cleaned rows are cached. */
  static CleanStep of(Dataset<Row> raw) {
    Dataset<Row> deduplicated = new Deduplicator(true, List.of(), Optional.empty()).dropExactDuplicates(raw)
        .persist(StorageLevel.MEMORY_AND_DISK());
    long rows = deduplicated.count();
    String[] imputed = Stream.concat(IMPUTED_NUMERIC.stream(), IMPUTED_CATEGORICAL.stream()).toArray(String[]::new);
    Dataset<Row> filled = new GroupedImputer().setInputCols(imputed).setGroupByCols("c1").fit(deduplicated)
        .transform(deduplicated);
    String[] numeric = CleanProfileData.NUMERIC.toArray(String[]::new);
    Dataset<Row> clipped = new OutlierBounds().setInputCols(numeric).fit(filled).transform(filled)
        .persist(StorageLevel.MEMORY_AND_DISK());
    clipped.count();
    deduplicated.unpersist(true);
    return new CleanStep(clipped, rows);
  }

  /** The cleaned rows, cached: the input's columns, in its order. */
  Dataset<Row> rows() {
    return cleaned;
  }

  /** Rows left after deduplication. */
  long count() {
    return rows;
  }

  @Override
  public void close() {
    cleaned.unpersist(true);
  }
}

package dev.kiln.profile;

import dev.kiln.profile.Distributions.Cell;
import dev.kiln.profile.Profile.Association;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The association measures between a column and the label that the second pass's cells hold what is needed for.
 * (Pearson's r between numeric columns comes from the first pass.)
 */
final class LabelAssociations {

  private LabelAssociations() {}

  /**
   * Cramér's V of the contingency table of a categorical column (its top values and one "other" group) against the
   * label's classes: {@code sqrt(chi2 / n / (min(rows, columns) - 1))}, without bias correction. Empty when the
   * table has fewer than two non-empty rows or columns. Lumping rare values into "other" keeps the chi-squared
   * approximation meaningful for identifier-like columns, whose every value would otherwise be its own row.
   */
  static Optional<Association> cramersV(String feature, List<Cell> cells) {
    Map<String, Map<String, Long>> table = new LinkedHashMap<>();
    Map<String, Long> columnTotals = new LinkedHashMap<>();
    long n = 0;
    for (Cell cell : cells) {
      if (cell.labelClass() == null) {
        continue;
      }
      // The key null is the "other" group; a map key of its own, apart from any real value.
      table.computeIfAbsent(cell.other() ? null : cell.key(), k -> new LinkedHashMap<>())
          .merge(cell.labelClass(), cell.n(), Long::sum);
      columnTotals.merge(cell.labelClass(), cell.n(), Long::sum);
      n += cell.n();
    }
    int k = Math.min(table.size(), columnTotals.size());
    if (k < 2) {
      return Optional.empty();
    }
    double chi2 = 0;
    for (Map<String, Long> row : table.values()) {
      long rowTotal = row.values().stream().mapToLong(Long::longValue).sum();
      for (Map.Entry<String, Long> column : columnTotals.entrySet()) {
        double expected = (double) rowTotal * column.getValue() / n;
        double observed = row.getOrDefault(column.getKey(), 0L);
        chi2 += (observed - expected) * (observed - expected) / expected;
      }
    }
    return Optional.of(new Association(feature, Association.CRAMERS_V, Math.sqrt(chi2 / n / (k - 1)), n));
  }

  /**
   * The correlation ratio η of a numeric variable across groups: {@code sqrt(between-group / total sum of squares)}.
   * Empty with fewer than two groups or no spread in the variable.
   *
   * @param groupOf a cell's group (null: the cell is left out)
   * @param moments a cell's count, sum and sum of squares of the variable
   */
  static Optional<Association> correlationRatio(String feature, List<Cell> cells, Function<Cell, Object> groupOf,
      Function<Cell, Moments> moments) {
    Map<Object, Moments> groups = new LinkedHashMap<>();
    for (Cell cell : cells) {
      Object group = groupOf.apply(cell);
      if (group != null) {
        groups.merge(group, moments.apply(cell), Moments::plus);
      }
    }
    Moments total = total(groups.values());
    if (groups.size() < 2 || total.n() < 2) {
      return Optional.empty();
    }
    double mean = total.sum() / total.n();
    double totalSquares = total.sumSquares() - total.n() * mean * mean;
    // Relative to the squares themselves, a tiny total is rounding, not spread.
    if (totalSquares <= 1e-12 * Math.max(1.0, total.sumSquares())) {
      return Optional.empty();
    }
    double between = 0;
    for (Moments group : groups.values()) {
      if (group.n() > 0) {
        double groupMean = group.sum() / group.n();
        between += group.n() * (groupMean - mean) * (groupMean - mean);
      }
    }
    double eta = Math.sqrt(Math.min(1.0, Math.max(0.0, between / totalSquares)));
    return Optional.of(new Association(feature, Association.CORRELATION_RATIO, eta, total.n()));
  }

  /** Count, sum and sum of squares of a variable over some rows. */
  record Moments(long n, double sum, double sumSquares) {
    Moments plus(Moments other) {
      return new Moments(n + other.n, sum + other.sum, sumSquares + other.sumSquares);
    }
  }

  private static Moments total(Collection<Moments> groups) {
    return groups.stream().reduce(new Moments(0, 0, 0), Moments::plus);
  }
}

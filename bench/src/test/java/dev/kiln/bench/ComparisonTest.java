package dev.kiln.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The arithmetic and the verdict of the results table; the benchmarks themselves never run in a build. */
class ComparisonTest {

  @Test
  void mediansAreOfTheRepetitionsAndTheRatioIsKilnOverBaseline() {
    Comparison c = new Comparison("b", "base", "kiln", Comparison.Unit.SECONDS, List.of(9.0, 1.0, 3.0),
        List.of(0.5, 0.1, 0.2, 0.3), OptionalDouble.of(0.05));
    assertEquals(3.0, c.medianBaseline());
    assertEquals(0.25, c.medianKiln(), 1e-12);
    assertEquals(0.25 / 3.0, c.ratio(), 1e-12);
    assertFalse(c.passes());
  }

  @Test
  void theTableMarksMissedTargetsAndInformativeRows() {
    Comparison met = new Comparison("bytes", "rows", "blocks", Comparison.Unit.BYTES, List.of(3e8, 3e8, 3e8),
        List.of(5e6, 5e6, 5e6), OptionalDouble.of(0.03));
    Comparison missed = new Comparison("time", "full", "pushdown", Comparison.Unit.SECONDS, List.of(10.0, 11.0, 12.0),
        List.of(1.0, 2.0, 3.0), OptionalDouble.of(0.05));
    Comparison info = new Comparison("time", "rows", "blocks", Comparison.Unit.SECONDS, List.of(10.0, 11.0, 12.0),
        List.of(1.0, 1.0, 1.0), OptionalDouble.empty());
    String table = ResultsTable.markdown(List.of(met, missed, info));
    assertTrue(met.passes());
    assertTrue(table.contains("| 300.0 MB (n=3) | 5.0 MB (n=3) | 1.67 % | ≤ 3.00 % | pass |"), table);
    assertTrue(table.contains(
        "| 11.00 s (10.0, 11.0, 12.0) | 2.00 s (1.0, 2.0, 3.0) | 18.2 % | ≤ 5.00 % | **FAIL** |"), table);
    assertTrue(table.contains("| (info) | — |"), table);
  }
}

package dev.kiln.clean;

import static dev.kiln.clean.StageAssertions.assertMessage;
import static dev.kiln.clean.StageAssertions.row;
import static dev.kiln.clean.StageAssertions.sorted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.clean.OutlierBoundsModel.Bounds;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UsesSpark
class OutlierBoundsTest {

  private static final double NAN = Double.NaN;

  /**
   * x and n hold 1 to 8 and 100 (nine values; Q1 the 3rd, 3, and Q3 the 7th, 7), then a null and a NaN, and the id
   * orders them.
   */
  private static final String NINE = "select id, double(v) as x, int(v) as n from values (1, 1), (2, 2), (3, 3), "
      + "(4, 4), (5, 5), (6, 6), (7, 7), (8, 8), (9, 100), (10, null) as t(id, v) "
      + "union all select 11, double('NaN'), int(null)";

  @Test
  void iqrBoundsAreTheQuartilesWidenedByKInterquartileRanges(SparkSession spark) {
    Dataset<Row> nine = spark.sql(NINE).where("id <= 10");
    assertEquals(Map.of("x", new Bounds(3 - 1.5 * 4, 7 + 1.5 * 4)),
        new OutlierBounds().setInputCols("x").fit(spark.sql(NINE)).bounds());
    assertEquals(Map.of("x", new Bounds(3 - 0.5 * 4, 7 + 0.5 * 4), "n", new Bounds(3 - 0.5 * 4, 7 + 0.5 * 4)),
        new OutlierBounds().setInputCols("x", "n").setIqrMultiplier(0.5).fit(nine).bounds());
  }

  @Test
  void zscoreBoundsAreTheMeanWidenedByKSampleStandardDeviations(SparkSession spark) {
    // 2, 4, 6: mean 4, sample standard deviation 2; NaN and null are left out.
    Dataset<Row> data = spark.sql("select * from values (2.0D), (4.0D), (6.0D), (double('NaN')), (null) as t(x)");
    assertEquals(Map.of("x", new Bounds(-2, 10)), new OutlierBounds().setInputCols("x").setMethod("zscore")
        .fit(data).bounds());
    assertEquals(Map.of("x", new Bounds(1, 7)), new OutlierBounds().setInputCols("x").setMethod("zscore")
        .setStddevMultiplier(1.5).fit(data).bounds());
    // One value has no deviation: the bounds close on it.
    assertEquals(Map.of("x", new Bounds(5, 5)), new OutlierBounds().setInputCols("x").setMethod("zscore")
        .fit(spark.sql("select 5.0D as x")).bounds());
  }

  @Test
  void percentileBoundsAreTheQuantilesAskedFor(SparkSession spark) {
    // Of nine values the 0.2 quantile is the 2nd, the 0.8 quantile the 8th.
    assertEquals(Map.of("x", new Bounds(2, 8)), new OutlierBounds().setInputCols("x").setMethod("percentile")
        .setLowerPercentile(0.2).setUpperPercentile(0.8).fit(spark.sql(NINE)).bounds());
    assertMessage("OutlierBounds: lowerPercentile 0.9 is not below upperPercentile 0.1", () -> new OutlierBounds()
        .setInputCols("x").setMethod("percentile").setLowerPercentile(0.9).setUpperPercentile(0.1)
        .fit(spark.sql(NINE)));
  }

  @Test
  void clipWinsorisesToTheBoundsAndLeavesNullAndNaNAlone(SparkSession spark) {
    Dataset<Row> train = spark.sql(NINE);
    // Bounds 3 - 4.4 and 7 + 4.4: the integer column is clipped to -1 and 11, the nearest integers inside them.
    OutlierBoundsModel model = new OutlierBounds().setInputCols("x", "n").setOutputCols("x_clipped", "n_clipped")
        .setIqrMultiplier(1.1).fit(train);
    Dataset<Row> serving = spark.sql("select * from values (1, -5.0D, -5), (2, 5.0D, 5), (3, 12.0D, 12), "
        + "(4, null, null), (5, double('NaN'), 0) as t(id, x, n)");
    double lower = 3 - 1.1 * 4;
    double upper = 7 + 1.1 * 4;
    assertEquals(List.of(
            row(1, -5.0, lower, -5, -1),
            row(2, 5.0, 5.0, 5, 5),
            row(3, 12.0, upper, 12, 11),
            row(4, null, null, null, null),
            row(5, NAN, NAN, 0, 0)),
        sorted(model.transform(serving), "id", "x", "x_clipped", "n", "n_clipped"));
    assertEquals(serving.schema().apply("n").dataType(), model.transform(serving).schema().apply("n_clipped")
        .dataType());
  }

  @Test
  void flagMarksValuesOutsideTheBoundsAndTheFilterKeepsRowsInside(SparkSession spark) {
    OutlierBoundsModel model = new OutlierBounds().setInputCols("x", "n").setAction("flag").fit(spark.sql(NINE));
    Dataset<Row> serving = spark.sql("select * from values (1, -4.0D, 0), (2, 13.0D, 13), (3, 14.0D, 0), "
        + "(4, null, 14), (5, double('NaN'), null) as t(id, x, n)");
    assertEquals(List.of(
            row(1, -4.0, 0, 1.0, 0.0),
            row(2, 13.0, 13, 0.0, 0.0),
            row(3, 14.0, 0, 1.0, 0.0),
            row(4, null, 14, 0.0, 1.0),
            row(5, NAN, null, 0.0, 0.0)),
        sorted(model.transform(serving), "id", "x", "n", "x_outlier", "n_outlier"));
    // Dropping is the training-time filter: rows 2 and 5 are inside (or missing) in every column.
    assertEquals(List.of(row(2), row(5)), sorted(serving.where(model.withinBounds()), "id"));
  }

  @Test
  void boundsComeFromTheFittingDataOnly(SparkSession spark) {
    Dataset<Row> train = spark.sql("select * from values (2.0D), (4.0D), (6.0D) as t(x)");
    Dataset<Row> test = spark.sql("select * from values (1000.0D), (-1000.0D), (4.0D) as t(x)");
    OutlierBoundsModel model = new OutlierBounds().setInputCols("x").setMethod("zscore").fit(train);
    assertEquals(List.of(row(-2.0), row(4.0), row(10.0)), sorted(model.transform(test), "x"));
    assertEquals(Map.of("x", new Bounds(-2, 10)), model.bounds());
  }

  @Test
  void schemaProblemsNameTheColumnAndItsType(SparkSession spark) {
    Dataset<Row> data = spark.sql("select 1.0D as x, 'a' as city");
    assertMessage("OutlierBounds: column 'city' has type string; it needs a numeric type",
        () -> new OutlierBounds().setInputCols("x", "city").fit(data));
    assertMessage("OutlierBounds: no input columns", () -> new OutlierBounds().setInputCols().fit(data));
    assertMessage("OutlierBounds: column 'y' is not in the data (its columns: x, city)",
        () -> new OutlierBounds().setInputCols("y").fit(data));
    assertMessage("OutlierBounds: outputCols are for action clip; flag adds <column>_outlier",
        () -> new OutlierBounds().setInputCols("x").setOutputCols("x2").setAction("flag").fit(data));
    OutlierBoundsModel model = new OutlierBounds().setInputCols("x").fit(data);
    assertMessage("OutlierBounds: column 'x' has type string; it needs a numeric type",
        () -> model.transform(spark.sql("select 'a' as x")));

    InvalidInputException noValues = assertThrows(InvalidInputException.class,
        () -> new OutlierBounds().setInputCols("x").fit(spark.sql("select double(null) as x")));
    assertTrue(noValues.getMessage().contains("column 'x' has no value"), noValues.getMessage());
  }

  @Test
  void aFittedPipelineSavedAndLoadedTransformsExactlyAsBefore(SparkSession spark, DataFrameAssertions frames,
      @TempDir Path dir) throws Exception {
    Dataset<Row> train = spark.sql(NINE).where("id <= 9").selectExpr("*", "double(x > 4) as label");
    OutlierBounds bounds = new OutlierBounds().setInputCols("x", "n").setOutputCols("x_clipped", "n_clipped")
        .setMethod("percentile").setLowerPercentile(0.2).setUpperPercentile(0.8);
    SavedPipelines saved = SavedPipelines.fitSaveAndLoad(bounds, new String[] {"x_clipped", "n_clipped"}, train, dir);

    Dataset<Row> serving = train.unionByName(spark.sql("select 12 as id, -7.0D as x, 70 as n, 0.0D as label"));
    frames.assertEquals(saved.fitted().transform(serving), saved.loaded().transform(serving));
    OutlierBoundsModel before = saved.fittedStage();
    OutlierBoundsModel after = saved.loadedStage();
    assertEquals(before.uid(), after.uid());
    assertEquals(before.bounds(), after.bounds());
    assertEquals(Map.of("x", new Bounds(2, 8), "n", new Bounds(2, 8)), after.bounds());
    assertEquals(after.transformSchema(serving.schema()), after.transform(serving).schema());

    // The unfitted stage persists too, params and all.
    OutlierBounds reloaded = saved.loadedEstimator();
    assertEquals("percentile", reloaded.getMethod());
    assertEquals(0.2, reloaded.getLowerPercentile());
    assertEquals(List.of("x_clipped", "n_clipped"), List.of(reloaded.getOutputCols()));
  }
}

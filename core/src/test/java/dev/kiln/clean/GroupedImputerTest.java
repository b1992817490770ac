package dev.kiln.clean;

import static dev.kiln.clean.StageAssertions.assertMessage;
import static dev.kiln.clean.StageAssertions.row;
import static dev.kiln.clean.StageAssertions.sorted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.errors.InvalidInputException;
import dev.kiln.testing.DataFrameAssertions;
import dev.kiln.testing.UsesSpark;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UsesSpark
class GroupedImputerTest {

  private static final double NAN = Double.NaN;

  /** Rows 3 and 4 miss x (NaN, null), 2 and 5 miss n, 4 misses city. */
  private static final String MIXED = "select * from values (1, 1.0D, 10, 'a'), (2, 2.0D, null, 'b'), "
      + "(3, double('NaN'), 30, 'b'), (4, null, 20, null), (5, 6.0D, null, 'c') as t(id, x, n, city)";

  /** Per region: n has x 1, 2, 3 and one null; s 10, 20, 30; e only nulls; a null region has 40. */
  private static final String REGIONS = "select * from values ('n', 1.0D, 'p'), ('n', 2.0D, 'p'), ('n', 3.0D, 'q'), "
      + "('n', null, 'p'), ('s', 10.0D, 'r'), ('s', 20.0D, 'r'), ('s', 30.0D, 's'), ('e', null, null), "
      + "(null, 40.0D, 't') as t(region, x, city)";

  @Test
  void meanAndModeAreLearntFromPresentValuesAndFillNullAndNaN(SparkSession spark) {
    Dataset<Row> data = spark.sql(MIXED);
    GroupedImputerModel model = new GroupedImputer().setInputCols("x", "n", "city").setAddIndicators(true).fit(data);

    // x: NaN and null are left out of the mean of 1, 2, 6; the mean of n (20.0) fills an int column as 20.
    assertEquals(Map.of("x", 3.0, "n", 20.0), model.numericFills());
    assertEquals(Map.of("city", "b"), model.categoryFills());
    assertEquals(List.of(
            row(1, 1.0, 10, "a", 0.0, 0.0, 0.0),
            row(2, 2.0, 20, "b", 0.0, 1.0, 0.0),
            row(3, 3.0, 30, "b", 1.0, 0.0, 0.0),
            row(4, 3.0, 20, "b", 1.0, 0.0, 1.0),
            row(5, 6.0, 20, "c", 0.0, 1.0, 0.0)),
        sorted(model.transform(data), "id", "x", "n", "city", "x_was_missing", "n_was_missing", "city_was_missing"));
    assertEquals(data.schema().fields()[2], model.transform(data).schema().apply("n"));
  }

  @Test
  void theMedianIsSparksApproximateQuantileAndAModeTieGoesToTheSmallestValue(SparkSession spark) {
    Dataset<Row> data = spark.sql("select * from values (1, 4.0D, 1.0D, 'b'), (2, 100.0D, 2.0D, 'a'), "
        + "(3, 1.0D, 3.0D, 'b'), (4, double('NaN'), 4.0D, 'a'), (5, 3.0D, null, null), (6, 2.0D, null, 'c') "
        + "as t(id, odd, even, city)");
    GroupedImputer imputer = new GroupedImputer().setInputCols("odd", "even", "city");
    // Fitting with extra params fits a copy of the stage that has them.
    GroupedImputerModel model = imputer.fit(data, ParamMap.empty().put(imputer.numericStrategy(), "median"));

    // odd: the middle of 1, 2, 3, 4, 100; even: of 1, 2, 3, 4 the lower middle value, not 2.5.
    assertEquals(Map.of("odd", 3.0, "even", 2.0), model.numericFills());
    assertEquals(Map.of("city", "a"), model.categoryFills());
  }

  @Test
  void constantsFillNumbersAndAnExplicitMissingCategoryIntoOutputColumns(SparkSession spark) {
    Dataset<Row> data = spark.sql(MIXED);
    GroupedImputerModel model = new GroupedImputer().setInputCols("x", "city")
        .setOutputCols("x_filled", "city_filled").setNumericStrategy("constant").setNumericConstant(-1)
        .setCategoricalStrategy("constant").fit(data);

    assertEquals(Map.of("x", -1.0), model.numericFills());
    assertEquals(Map.of("city", "__missing__"), model.categoryFills());
    assertEquals(List.of(
            row(1, 1.0, 1.0, "a", "a"),
            row(2, 2.0, 2.0, "b", "b"),
            row(3, NAN, -1.0, "b", "b"),
            row(4, null, -1.0, null, "__missing__"),
            row(5, 6.0, 6.0, "c", "c")),
        sorted(model.transform(data), "id", "x", "x_filled", "city", "city_filled"));
    assertMessage("GroupedImputer: numericStrategy constant needs numericConstant",
        () -> new GroupedImputer().setInputCols("x").setNumericStrategy("constant").fit(data));
  }

  @Test
  void groupStatisticsFallBackToTheGlobalOneForUnseenAndAllMissingGroups(SparkSession spark) {
    GroupedImputerModel model = new GroupedImputer().setInputCols("x", "city").setGroupByCols("region")
        .setNumericStrategy("median").fit(spark.sql(REGIONS));

    // Global median of 1, 2, 3, 10, 20, 30, 40; global mode p (3) over r (2).
    assertEquals(Map.of("x", 10.0), model.numericFills());
    assertEquals(Map.of("city", "p"), model.categoryFills());
    // Region e has no value of either column, so it learns nothing and falls back to the global values.
    assertEquals(Map.of(List.of("n"), Map.of("x", 2.0), List.of("s"), Map.of("x", 20.0),
        Arrays.asList((Object) null), Map.of("x", 40.0)), model.numericFillsByGroup());
    assertEquals(Map.of(List.of("n"), Map.of("city", "p"), List.of("s"), Map.of("city", "r"),
        Arrays.asList((Object) null), Map.of("city", "t")), model.categoryFillsByGroup());
    assertEquals(model.numericFillsByGroup(), model.copy(ParamMap.empty()).numericFillsByGroup());

    Dataset<Row> serving = spark.sql("select * from values (1, 'n', null, null), (2, 's', double('NaN'), null), "
        + "(3, 'e', null, null), (4, 'w', null, null), (5, null, null, null), (6, 'n', 7.0D, 'z') "
        + "as t(id, region, x, city)");
    assertEquals(List.of(
            row(1, "n", 2.0, "p"),
            row(2, "s", 20.0, "r"),
            row(3, "e", 10.0, "p"),
            row(4, "w", 10.0, "p"),
            row(5, null, 40.0, "t"),
            row(6, "n", 7.0, "z")),
        sorted(model.transform(serving), "id", "region", "x", "city"));
  }

  @Test
  void statisticsComeFromTheFittingDataOnly(SparkSession spark) {
    Dataset<Row> train = spark.sql("select * from values (1, 1.0D, 'a'), (2, 2.0D, 'a'), (3, 3.0D, 'b') "
        + "as t(id, x, city)");
    Dataset<Row> test = spark.sql("select * from values (4, 1000.0D, 'z'), (5, 2000.0D, 'z'), (6, null, null) "
        + "as t(id, x, city)");
    GroupedImputerModel model = new GroupedImputer().setInputCols("x", "city").fit(train);

    assertEquals(List.of(row(4, 1000.0, "z"), row(5, 2000.0, "z"), row(6, 2.0, "a")),
        sorted(model.transform(test), "id", "x", "city"));
    assertEquals(Map.of("x", 2.0), model.numericFills());
    assertEquals(Map.of("city", "a"), model.categoryFills());
  }

  @Test
  void schemaProblemsNameTheColumnAndItsType(SparkSession spark) {
    Dataset<Row> data = spark.sql("select 1.0D as x, true as flag, 'a' as city");
    assertMessage("GroupedImputer: column 'flag' has type boolean; it needs a numeric or string type",
        () -> new GroupedImputer().setInputCols("x", "flag").fit(data));
    assertMessage("GroupedImputer: column 'nope' is not in the data (its columns: x, flag, city)",
        () -> new GroupedImputer().setInputCols("x").setGroupByCols("nope").fit(data));
    assertMessage("GroupedImputer: output column 'city' is already in the data",
        () -> new GroupedImputer().setInputCols("x").setOutputCols("city").fit(data));

    // Serving data whose column changed type since training is refused, not filled with the wrong kind of value.
    GroupedImputerModel model = new GroupedImputer().setInputCols("city").fit(data);
    assertMessage("GroupedImputer: column 'city' has type double; it needs type string, as when it was fitted",
        () -> model.transform(spark.sql("select 1.0D as city")));
  }

  @Test
  void aColumnWithNoValueToLearnFromFailsTheFit(SparkSession spark) {
    Dataset<Row> data = spark.sql("select * from values (1, double('NaN')), (2, null) as t(id, x)");
    InvalidInputException failure = assertThrows(InvalidInputException.class,
        () -> new GroupedImputer().setInputCols("x").setNumericStrategy("median").fit(data));
    assertTrue(failure.getMessage().contains("column 'x' has no value"), failure.getMessage());
  }

  @Test
  void aFittedPipelineSavedAndLoadedTransformsExactlyAsBefore(SparkSession spark, DataFrameAssertions frames,
      @TempDir Path dir) throws Exception {
    Dataset<Row> train = spark.sql(REGIONS + " union all select * from values ('s', null, null), ('w', 5.0D, 'p') "
        + "as u(region, x, city)")
        .selectExpr("*", "double(coalesce(region, '') = 's' or coalesce(x, 0) > 15) as label");
    GroupedImputer imputer = new GroupedImputer().setInputCols("x", "city").setOutputCols("x_filled", "city_filled")
        .setGroupByCols("region").setNumericStrategy("median").setAddIndicators(true);
    SavedPipelines saved = SavedPipelines.fitSaveAndLoad(imputer, new String[] {"x_filled", "x_was_missing"}, train,
        dir);

    Dataset<Row> serving = train.unionByName(spark.sql(
        "select 'x' as region, cast(null as double) as x, cast(null as string) as city, 1.0D as label"));
    frames.assertEquals(saved.fitted().transform(serving), saved.loaded().transform(serving));
    GroupedImputerModel before = saved.fittedStage();
    GroupedImputerModel after = saved.loadedStage();
    assertEquals(before.uid(), after.uid());
    assertEquals(before.numericFillsByGroup(), after.numericFillsByGroup());
    assertEquals(before.categoryFills(), after.categoryFills());
    assertEquals(List.of("x_filled", "city_filled"), List.of(after.getOutputCols()));
    assertEquals(after.transformSchema(serving.schema()), after.transform(serving).schema());

    // The unfitted stage persists too, params and all.
    GroupedImputer reloaded = saved.loadedEstimator();
    assertEquals(List.of("region"), List.of(reloaded.getGroupByCols()));
    assertEquals("median", reloaded.getNumericStrategy());
    assertTrue(reloaded.getAddIndicators());
    assertFalse(reloaded.isSet(reloaded.numericConstant()));
  }
}

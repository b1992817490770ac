package dev.kiln.clean;

import static dev.kiln.clean.StageColumns.quoted;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.stddev_samp;
import static org.apache.spark.sql.functions.when;

import dev.kiln.clean.OutlierBoundsModel.Bounds;
import dev.kiln.errors.InvalidInputException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Learns a lower and an upper bound for each numeric input column on the data it is fitted on (in Kiln: the training
 * split only); the fitted {@link OutlierBoundsModel}, saved inside the {@code PipelineModel}, applies those very
 * bounds when serving.
 *
 * <p><b>What it learns</b>, by {@code method}, from the present values only (null and NaN are left out):
 * <ul>
 *   <li>{@code iqr} (default): Q1 − k·IQR and Q3 + k·IQR, k = {@code iqrMultiplier} (default 1.5);</li>
 *   <li>{@code zscore}: mean ∓ k·(sample standard deviation), k = {@code stddevMultiplier} (default 3); a column with
 *       one value has a deviation of 0;</li>
 *   <li>{@code percentile}: the {@code lowerPercentile} and {@code upperPercentile} quantiles (defaults 0.01 and
 *       0.99).</li>
 * </ul>
 * Quantiles are Spark's approximate ones, within {@code relativeError} (default 0.001) of the rank asked for; on few
 * values they are values of the data. A column with no present value cannot learn bounds: {@code fit} fails and
 * names it.
 *
 * <p><b>Cost</b>: one aggregation over the data for all columns.
 *
 * <p><b>What the model does</b>: see {@link OutlierBoundsModel}.
 */
public final class OutlierBounds extends Estimator<OutlierBoundsModel>
    implements OutlierBoundsParams, DefaultParamsWritable {

  private final String uid;
  private final Definitions params;

  public OutlierBounds(String uid) {
    this.uid = uid;
    this.params = new Definitions(this);
  }

  public OutlierBounds() {
    this(Identifiable.randomUID("outlierBounds"));
  }

  /** Spark's {@code DefaultParamsReader} finds this by reflection when it loads a saved {@code Pipeline}. */
  public static MLReader<OutlierBounds> read() {
    return new DefaultParamsReader<>();
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Definitions paramDefinitions() {
    return params;
  }

  public OutlierBounds setInputCols(String... columns) {
    set(inputCols(), columns);
    return this;
  }

  public OutlierBounds setOutputCols(String... columns) {
    set(outputCols(), columns);
    return this;
  }

  public OutlierBounds setMethod(String method) {
    set(method(), method);
    return this;
  }

  public OutlierBounds setIqrMultiplier(double k) {
    set(iqrMultiplier(), k);
    return this;
  }

  public OutlierBounds setStddevMultiplier(double k) {
    set(stddevMultiplier(), k);
    return this;
  }

  public OutlierBounds setLowerPercentile(double quantile) {
    set(lowerPercentile(), quantile);
    return this;
  }

  public OutlierBounds setUpperPercentile(double quantile) {
    set(upperPercentile(), quantile);
    return this;
  }

  public OutlierBounds setRelativeError(double relativeError) {
    set(relativeError(), relativeError);
    return this;
  }

  public OutlierBounds setAction(String action) {
    set(action(), action);
    return this;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    if (getMethod().equals(PERCENTILE) && getLowerPercentile() >= getUpperPercentile()) {
      throw new IllegalArgumentException(STAGE + ": lowerPercentile " + getLowerPercentile()
          + " is not below upperPercentile " + getUpperPercentile());
    }
    return boundedSchema(schema);
  }

  @Override
  public OutlierBoundsModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    String[] inputs = getInputCols();
    // Each column's statistics as a pair: the quantiles of the bounds, or the mean and standard deviation.
    Column[] statistics = Arrays.stream(inputs).map(this::statistics).toArray(Column[]::new);
    Row learnt = dataset.toDF().agg(statistics[0], Arrays.copyOfRange(statistics, 1, statistics.length)).head();
    Map<String, Bounds> bounds = new LinkedHashMap<>();
    for (int i = 0; i < inputs.length; i++) {
      List<Double> pair = learnt.isNullAt(i) ? null : learnt.getList(i);
      if (pair == null || pair.get(0) == null) {
        throw new InvalidInputException(STAGE + ": column '" + inputs[i] + "' has no value (all null or NaN) in the "
            + "data it is fitted on, so it cannot learn bounds");
      }
      bounds.put(inputs[i], bounds(pair.get(0), pair.get(1)));
    }
    return copyValues(new OutlierBoundsModel(uid, bounds), ParamMap.empty()).setParent(this);
  }

  @Override
  public OutlierBounds copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  private Column statistics(String column) {
    Column value = quoted(column);
    Column present = when(not(isnan(value)), value.cast(DataTypes.DoubleType));
    Column accuracy = lit(StageColumns.quantileAccuracy(getRelativeError()));
    return switch (getMethod()) {
      case IQR -> percentile_approx(present, array(lit(0.25), lit(0.75)), accuracy);
      case PERCENTILE -> percentile_approx(present, array(lit(getLowerPercentile()), lit(getUpperPercentile())),
          accuracy);
      // A single value has no sample deviation (null): its bounds are the value itself.
      default -> array(avg(present), coalesce(stddev_samp(present), lit(0.0)));
    };
  }

  private Bounds bounds(double first, double second) {
    return switch (getMethod()) {
      case IQR -> new Bounds(first - getIqrMultiplier() * (second - first),
          second + getIqrMultiplier() * (second - first));
      case PERCENTILE -> new Bounds(first, second);
      default -> new Bounds(first - getStddevMultiplier() * second, first + getStddevMultiplier() * second);
    };
  }
}

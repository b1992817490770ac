package dev.kiln.score;

import com.microsoft.azure.synapse.ml.lightgbm.LightGBMClassificationModel;
import com.microsoft.azure.synapse.ml.lightgbm.LightGBMRegressionModel;
import dev.kiln.clean.GroupedImputerModel;
import dev.kiln.clean.OutlierBoundsModel;
import dev.kiln.clean.ValueCanonicalizer;
import dev.kiln.errors.UnsupportedStageException;
import dev.kiln.feature.DateParts;
import dev.kiln.feature.FrequencyEncoderModel;
import dev.kiln.feature.LogTransform;
import dev.kiln.train.DenseVectors;
import dev.kiln.train.MulticlassXGBoostModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostRegressionModel;
import org.apache.spark.ml.PredictionModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.DecisionTreeClassificationModel;
import org.apache.spark.ml.classification.GBTClassificationModel;
import org.apache.spark.ml.classification.LinearSVCModel;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.NaiveBayesModel;
import org.apache.spark.ml.classification.RandomForestClassificationModel;
import org.apache.spark.ml.feature.Bucketizer;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.IDFModel;
import org.apache.spark.ml.feature.ImputerModel;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.MinMaxScalerModel;
import org.apache.spark.ml.feature.OneHotEncoderModel;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.feature.RobustScalerModel;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StandardScalerModel;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.feature.UnivariateFeatureSelectorModel;
import org.apache.spark.ml.feature.VarianceThresholdSelectorModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.regression.DecisionTreeRegressionModel;
import org.apache.spark.ml.regression.GBTRegressionModel;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.ml.regression.RandomForestRegressionModel;

/**
 * Turns each fitted stage into its {@link RowStage}, by exact class: a subclass is not assumed to behave as its
 * parent. A class not listed here is refused with {@link UnsupportedStageException}.
 */
final class StageCompiler {

  private static final Map<Class<?>, BiFunction<Transformer, Layout, RowStage>> COMPILERS = new LinkedHashMap<>();

  static {
    feature(StringIndexerModel.class, SparkFeatureStages::stringIndexer);
    feature(OneHotEncoderModel.class, SparkFeatureStages::oneHotEncoder);
    feature(VectorAssembler.class, SparkFeatureStages::vectorAssembler);
    feature(ImputerModel.class, SparkFeatureStages::imputer);
    feature(StandardScalerModel.class, SparkFeatureStages::standardScaler);
    feature(MinMaxScalerModel.class, SparkFeatureStages::minMaxScaler);
    feature(RobustScalerModel.class, SparkFeatureStages::robustScaler);
    feature(Bucketizer.class, SparkFeatureStages::bucketizer);
    feature(IndexToString.class, SparkFeatureStages::indexToString);
    feature(SQLTransformer.class, (stage, layout) -> SqlStages.sqlTransformer(stage, layout, "SQLTransformer "
        + stage.uid()));
    feature(RegexTokenizer.class, TextAndSelectionStages::regexTokenizer);
    feature(HashingTF.class, TextAndSelectionStages::hashingTF);
    feature(IDFModel.class, TextAndSelectionStages::idf);
    feature(UnivariateFeatureSelectorModel.class, TextAndSelectionStages::univariateSelector);
    feature(VarianceThresholdSelectorModel.class, TextAndSelectionStages::varianceSelector);
    feature(ValueCanonicalizer.class, KilnStages::canonicalizer);
    feature(GroupedImputerModel.class, KilnStages::groupedImputer);
    feature(OutlierBoundsModel.class, KilnStages::outlierBounds);
    feature(LogTransform.class, KilnStages::logTransform);
    feature(DateParts.class, KilnStages::dateParts);
    feature(FrequencyEncoderModel.class, KilnStages::frequencyEncoder);
    feature(DenseVectors.class, KilnStages::denseVectors);
    feature(DecisionTreeClassificationModel.class, TreeStages::decisionTreeClassifier);
    feature(DecisionTreeRegressionModel.class, TreeStages::decisionTreeRegressor);
    feature(RandomForestClassificationModel.class, TreeStages::randomForestClassifier);
    feature(RandomForestRegressionModel.class, TreeStages::randomForestRegressor);
    feature(GBTClassificationModel.class, TreeStages::gbtClassifier);
    feature(GBTRegressionModel.class, TreeStages::gbtRegressor);
    // LightGBM's models are Spark predictors whose per-vector methods call its native booster.
    for (Class<?> model : List.of(LogisticRegressionModel.class, LinearRegressionModel.class, LinearSVCModel.class,
        NaiveBayesModel.class, MultilayerPerceptronClassificationModel.class, LightGBMClassificationModel.class,
        LightGBMRegressionModel.class)) {
      COMPILERS.put(model, (stage, layout) -> PredictorStages.mllib((PredictionModel<?, ?>) stage, layout));
    }
    feature(XGBoostClassificationModel.class, PredictorStages::xgboostClassifier);
    feature(XGBoostRegressionModel.class, PredictorStages::xgboostRegressor);
    feature(MulticlassXGBoostModel.class, PredictorStages::multiclassXGBoost);
  }

  private StageCompiler() {}

  @SuppressWarnings("unchecked")
  private static <T extends Transformer> void feature(Class<T> type, BiFunction<T, Layout, RowStage> compiler) {
    COMPILERS.put(type, (stage, layout) -> compiler.apply((T) stage, layout));
  }

  /** The simple names of every stage class the scorer evaluates. */
  static List<String> supported() {
    return COMPILERS.keySet().stream().map(Class::getSimpleName).toList();
  }

  /**
   * @param position the stage's index in the pipeline, for messages
   * @throws UnsupportedStageException when the stage's class has no evaluator, or its settings or inputs are ones
   *     the evaluator cannot reproduce exactly
   */
  static RowStage compile(int position, Transformer stage, Layout layout) {
    BiFunction<Transformer, Layout, RowStage> compiler = COMPILERS.get(stage.getClass());
    String named = "stage " + position + " (" + stage.getClass().getName() + ", uid " + stage.uid() + ")";
    if (compiler == null) {
      throw new UnsupportedStageException(named + " cannot be scored row by row without Spark; the scorer evaluates "
          + String.join(", ", supported()));
    }
    try {
      return compiler.apply(stage, layout);
    } catch (UnsupportedStageException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new UnsupportedStageException(named + " cannot be scored row by row: " + e.getMessage());
    }
  }
}

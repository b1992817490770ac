package dev.kiln.score;

import com.microsoft.azure.synapse.ml.lightgbm.params.LightGBMModelParams;
import dev.kiln.errors.UnsupportedStageException;
import dev.kiln.registry.ModelArtifacts;
import dev.kiln.registry.ModelVersion;
import dev.kiln.train.MulticlassXGBoostModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.scala.Booster;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostRegressionModel;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.Vector;

/**
 * A saved {@code PipelineModel} compiled for row scoring: the {@link RowScorer} Kiln serves with.
 *
 * <p>Compiling walks the stages in order over a {@link Layout} of the columns known so far, starting from the
 * signature's inputs, and turns each into a {@link RowStage} that writes its output columns' slots; a stage with no
 * exact evaluator fails the whole compile with {@link UnsupportedStageException}. Scoring then reads the record into a
 * fresh frame and runs the stages: no Spark call per record.
 */
public final class PipelineScorer implements RowScorer, AutoCloseable {

  private final ModelSignature signature;
  private final RecordReader reader;
  private final RowStage[] stages;
  private final int width;
  private final String[] outputs;
  private final int[] outputSlots;
  private final Transformer[] fitted;

  private PipelineScorer(ModelSignature signature, RecordReader reader, List<RowStage> stages, int width,
      List<String> outputs, int[] outputSlots, Transformer[] fitted) {
    this.fitted = fitted;
    this.signature = signature;
    this.reader = reader;
    this.stages = stages.toArray(RowStage[]::new);
    this.width = width;
    this.outputs = outputs.toArray(String[]::new);
    this.outputSlots = outputSlots;
  }

  /**
   * Loads a registered version's pipeline (with Spark's readers: needs an active SparkSession on this thread) and
   * compiles it against the version's signature.
   *
   * @throws dev.kiln.errors.InvalidInputException when the artifact is missing or unreadable
   * @throws UnsupportedStageException when a stage cannot be scored row by row
   */
  public static PipelineScorer load(ModelVersion version) {
    PipelineModel model = ModelArtifacts.load(version);
    try {
      return compile(model, ModelSignature.parse(version.signature()));
    } catch (UnsupportedStageException e) {
      throw new UnsupportedStageException("model " + version.ref() + ": " + e.getMessage());
    }
  }

  /**
   * Compiles {@code model} for records shaped as {@code signature.inputs()}, answering {@code signature.outputs()}.
   * Needs an active SparkSession only when the pipeline has a SQL stage (its statement is analysed once, here).
   */
  public static PipelineScorer compile(PipelineModel model, ModelSignature signature) {
    Layout layout = new Layout();
    for (InputField field : signature.inputs()) {
      layout.define(field.name(), ModelSignature.sparkType(field.type()));
    }
    RecordReader reader = new RecordReader(signature.inputs(), layout);
    List<RowStage> stages = new ArrayList<>();
    Transformer[] fitted = model.stages();
    for (int i = 0; i < fitted.length; i++) {
      stages.add(StageCompiler.compile(i, fitted[i], layout));
    }
    int[] outputSlots = new int[signature.outputs().size()];
    for (int i = 0; i < outputSlots.length; i++) {
      String output = signature.outputs().get(i);
      if (!layout.has(output)) {
        throw new UnsupportedStageException("the pipeline does not produce its signature's output '" + output + "'");
      }
      outputSlots[i] = layout.slot(output);
    }
    return new PipelineScorer(signature, reader, stages, layout.width(), signature.outputs(), outputSlots, fitted);
  }

  /**
   * Frees the native memory XGBoost's and LightGBM's boosters hold (the JVM's collector does not see it). Call it when
   * no thread will score with this scorer again, e.g. after a service has swapped in a new version and its last request
   * finished.
   */
  @Override
  public void close() {
    for (Transformer stage : fitted) {
      if (stage instanceof LightGBMModelParams lightgbm) {
        lightgbm.getLightGBMBooster().freeNativeMemory();
      }
      Booster booster = stage instanceof XGBoostClassificationModel c ? c.nativeBooster()
          : stage instanceof XGBoostRegressionModel r ? r.nativeBooster()
          : stage instanceof MulticlassXGBoostModel m ? m.model().nativeBooster() : null;
      if (booster != null) {
        booster.dispose();
      }
    }
  }

  public ModelSignature signature() {
    return signature;
  }

  @Override
  public List<InputField> inputs() {
    return signature.inputs();
  }

  @Override
  public List<String> outputs() {
    return signature.outputs();
  }

  @Override
  public Map<String, Object> score(Map<String, ?> record) {
    Object[] frame = new Object[width];
    reader.read(record, frame);
    for (RowStage stage : stages) {
      stage.apply(frame);
    }
    Map<String, Object> result = new LinkedHashMap<>();
    for (int i = 0; i < outputs.length; i++) {
      Object value = frame[outputSlots[i]];
      result.put(outputs[i], value instanceof Vector vector ? vector.toArray() : value);
    }
    return result;
  }
}

package dev.kiln.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;

import dev.kiln.errors.InvalidInputException;
import dev.kiln.registry.ModelVersion;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Scores a table with a registered version in Spark: the batch counterpart of {@link RowScorer}.
 *
 * <p>Contract: the input must hold every input column of the version's signature (types are cast to the signature's,
 * as the service reads a record); a missing column fails before any work, naming it. Each output row holds the kept
 * input columns, then {@link #PREDICTION}, {@link #PROBABILITY} (the class probabilities as an array, for
 * probabilistic classifiers), {@link #PREDICTED_LABEL} (for text labels), {@link #MODEL}, {@link #MODEL_VERSION},
 * {@link #SCORED_AT} and {@link #RUN_DATE} — the columns monitoring reads. Lazy: nothing runs until the result is
 * written.
 */
public final class BatchScorer {

  public static final String PREDICTION = "prediction";
  public static final String PROBABILITY = "probability";
  public static final String PREDICTED_LABEL = "predicted_label";
  public static final String MODEL = "model";
  public static final String MODEL_VERSION = "model_version";
  public static final String SCORED_AT = "scored_at";
  public static final String RUN_DATE = "run_date";

  /** The columns Kiln adds; an input column may not be kept under one of these names. */
  public static final Set<String> OUTPUT_COLUMNS = Set.of(PREDICTION, PROBABILITY, PREDICTED_LABEL, MODEL,
      MODEL_VERSION, SCORED_AT, RUN_DATE);

  private final ModelVersion version;
  private final PipelineModel model;
  private final ModelSignature signature;

  public BatchScorer(ModelVersion version, PipelineModel model) {
    this.version = version;
    this.model = model;
    this.signature = ModelSignature.parse(version.signature());
  }

  /**
   * The predictions for {@code input}, dated {@code runDate}.
   *
   * @param keep input columns to copy into each row; empty: every input column
   * @param inputName how the input is named in errors (its path)
   * @throws InvalidInputException when a signature column or a kept column is missing, or a kept column has the
   *     name of an output column
   */
  public Dataset<Row> score(Dataset<Row> input, List<String> keep, LocalDate runDate, String inputName) {
    StructType schema = input.schema();
    Set<String> present = Set.of(schema.fieldNames());
    List<String> missing = new ArrayList<>();
    for (InputField field : signature.inputs()) {
      if (!present.contains(field.name())) {
        missing.add(field.name());
      }
    }
    List<String> kept = keep.isEmpty() ? Arrays.asList(schema.fieldNames()) : keep;
    kept.stream().filter(c -> !present.contains(c)).map(c -> c + " (scoring.keep-columns)").forEach(missing::add);
    if (!missing.isEmpty()) {
      throw new InvalidInputException(inputName + " lacks the column" + (missing.size() == 1 ? " " : "s ")
          + String.join(", ", missing) + " that " + version.ref() + " needs; it has " + String.join(", ",
              schema.fieldNames()));
    }
    List<String> clashing = kept.stream().filter(OUTPUT_COLUMNS::contains).toList();
    if (!clashing.isEmpty()) {
      throw new InvalidInputException(inputName + " has the column" + (clashing.size() == 1 ? " " : "s ")
          + String.join(", ", clashing) + ", which scoring writes itself: list the columns to keep in "
          + "scoring.keep-columns");
    }
    // The kept columns ride through the pipeline under private names, so no stage's output can replace them.
    List<Column> columns = new ArrayList<>();
    for (int i = 0; i < kept.size(); i++) {
      columns.add(col("`" + kept.get(i) + "`").as(keptAlias(i)));
    }
    StructType inputs = signature.inputSchema();
    for (StructField field : inputs.fields()) {
      columns.add(col("`" + field.name() + "`").cast(field.dataType()).as(field.name()));
    }
    Dataset<Row> transformed = model.transform(input.select(columns.toArray(Column[]::new)));
    Set<String> produced = Set.of(transformed.schema().fieldNames());
    List<Column> out = new ArrayList<>();
    for (int i = 0; i < kept.size(); i++) {
      out.add(col(keptAlias(i)).as(kept.get(i)));
    }
    out.add(col(PREDICTION).cast("double").as(PREDICTION));
    if (signature.outputs().contains(PROBABILITY) && produced.contains(PROBABILITY)) {
      out.add(org.apache.spark.ml.functions.vector_to_array(col(PROBABILITY), "float64").as(PROBABILITY));
    }
    if (signature.outputs().contains(PREDICTED_LABEL) && produced.contains(PREDICTED_LABEL)) {
      out.add(col(PREDICTED_LABEL));
    }
    out.add(lit(version.name()).as(MODEL));
    out.add(lit(version.version()).as(MODEL_VERSION));
    out.add(current_timestamp().as(SCORED_AT));
    out.add(lit(java.sql.Date.valueOf(runDate)).as(RUN_DATE));
    return transformed.select(out.toArray(Column[]::new));
  }

  private static String keptAlias(int i) {
    return "_kiln_kept_" + i;
  }
}

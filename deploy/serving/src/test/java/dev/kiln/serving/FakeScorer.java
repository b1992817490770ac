package dev.kiln.serving;

import dev.kiln.errors.InvalidRecordException;
import dev.kiln.errors.InvalidRecordException.Problem;
import dev.kiln.score.InputField;
import dev.kiln.score.InputField.FieldType;
import dev.kiln.score.RowScorer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scorer for the HTTP layer's own tests: checks records as the {@link RowScorer} contract says (missing, unknown,
 * wrong type, not finite) over three inputs, and answers {@code prediction = tenure / 100 + version}, so a test can
 * tell versions apart by the answer. A {@code plan} of {@code "explode"} throws an unexpected exception.
 */
final class FakeScorer implements RowScorer {

  static final List<InputField> INPUTS = List.of(new InputField("tenure", FieldType.INTEGER, false),
      new InputField("charges", FieldType.DOUBLE, false), new InputField("plan", FieldType.STRING, true));

  private final long version;

  FakeScorer(long version) {
    this.version = version;
  }

  @Override
  public List<InputField> inputs() {
    return INPUTS;
  }

  @Override
  public List<String> outputs() {
    return List.of("prediction", "probability", "predicted_label");
  }

  @Override
  public Map<String, Object> score(Map<String, ?> record) {
    for (String field : record.keySet()) {
      if (INPUTS.stream().noneMatch(input -> input.name().equals(field))) {
        throw new InvalidRecordException(field, Problem.UNKNOWN, "field '" + field + "' is not an input");
      }
    }
    for (InputField input : INPUTS) {
      if (!record.containsKey(input.name())) {
        throw new InvalidRecordException(input.name(), Problem.MISSING, "field '" + input.name() + "' is missing");
      }
      Object value = record.get(input.name());
      if (value == null) {
        if (!input.nullable()) {
          throw new InvalidRecordException(input.name(), Problem.MISSING, "field '" + input.name() + "' is null");
        }
        continue;
      }
      boolean fits = input.type() == FieldType.STRING ? value instanceof String : value instanceof Number;
      if (!fits) {
        throw new InvalidRecordException(input.name(), Problem.WRONG_TYPE,
            "field '" + input.name() + "' must be " + input.type().signatureName());
      }
      if (value instanceof Double d && !Double.isFinite(d)) {
        throw new InvalidRecordException(input.name(), Problem.NOT_FINITE,
            "field '" + input.name() + "' is " + d + "; numbers must be finite");
      }
    }
    if ("explode".equals(record.get("plan"))) {
      throw new IllegalStateException("internal detail that must not reach the client");
    }
    double p = ((Number) record.get("tenure")).doubleValue() / 100;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("prediction", p + version);
    out.put("probability", new double[] {1 - p, p});
    out.put("predicted_label", p >= 0.5 ? "1" : "0");
    return out;
  }
}

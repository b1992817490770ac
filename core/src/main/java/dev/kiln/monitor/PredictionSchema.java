package dev.kiln.monitor;

import dev.kiln.errors.InvalidInputException;
import dev.kiln.score.InputField;
import dev.kiln.score.ModelSignature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * The Avro schema of one model version's prediction log, derived from its signature, and the encoding of a
 * {@link PredictionRecord} into it.
 *
 * <pre>
 * Prediction {
 *   request_id string, time long (timestamp-micros), model string, model_version long, latency_micros long,
 *   inputs  Inputs  { one field per signature input, each a union of null and its type:
 *                     string, int, long, double, float, boolean, long (timestamp-micros), int (date) },
 *   outputs Outputs { prediction double, probability union(null, array&lt;double&gt;), predicted_label union(null, string) }
 * }
 * </pre>
 *
 * <p>Avro field names are {@code [A-Za-z_][A-Za-z0-9_]*}: an input named otherwise is stored under its name with
 * every other character replaced by {@code _} (and a leading {@code _} before a digit); the original name is kept
 * in the field's {@code kiln.name} property. Two inputs that become the same name (ignoring case, as Spark does) are
 * refused when the schema is made.
 *
 * <p>Instances are immutable and {@link #encode} is safe from many threads.
 */
final class PredictionSchema {

  static final String NAMESPACE = "dev.kiln.monitor";

  private final Schema schema;
  private final Schema inputsSchema;
  private final Schema outputsSchema;
  private final List<InputField> inputs;
  private final List<String> avroNames;
  private final GenericDatumWriter<GenericData.Record> writer;

  PredictionSchema(ModelSignature signature) {
    this.inputs = signature.inputs();
    this.avroNames = avroNames(inputs);
    SchemaBuilder.FieldAssembler<Schema> in = SchemaBuilder.record("Inputs").namespace(NAMESPACE).fields();
    for (int i = 0; i < inputs.size(); i++) {
      in = in.name(avroNames.get(i)).prop("kiln.name", inputs.get(i).name())
          .type(Schema.createUnion(Schema.create(Schema.Type.NULL), avroType(inputs.get(i).type())))
          .withDefault(null);
    }
    this.inputsSchema = in.endRecord();
    this.outputsSchema = SchemaBuilder.record("Outputs").namespace(NAMESPACE).fields()
        .requiredDouble("prediction")
        .name("probability").type().nullable().array().items().doubleType().noDefault()
        .name("predicted_label").type().nullable().stringType().noDefault()
        .endRecord();
    this.schema = SchemaBuilder.record("Prediction").namespace(NAMESPACE).fields()
        .requiredString("request_id")
        .name("time").type(timestampMicros()).noDefault()
        .requiredString("model")
        .requiredLong("model_version")
        .requiredLong("latency_micros")
        .name("inputs").type(inputsSchema).noDefault()
        .name("outputs").type(outputsSchema).noDefault()
        .endRecord();
    this.writer = new GenericDatumWriter<>(schema);
  }

  Schema schema() {
    return schema;
  }

  /**
   * The record in Avro's binary encoding, ready for {@code DataFileWriter.appendEncoded}.
   *
   * @throws IllegalArgumentException naming the field (never its value) when a value does not fit the schema
   */
  byte[] encode(PredictionRecord record) {
    GenericData.Record row = new GenericData.Record(schema);
    row.put("request_id", require(record.requestId(), "request_id"));
    row.put("time", micros(require(record.time(), "time")));
    row.put("model", require(record.model(), "model"));
    row.put("model_version", record.modelVersion());
    row.put("latency_micros", record.latencyMicros());

    GenericData.Record in = new GenericData.Record(inputsSchema);
    Map<String, Object> values = record.inputs() == null ? Map.of() : record.inputs();
    for (int i = 0; i < inputs.size(); i++) {
      InputField field = inputs.get(i);
      in.put(avroNames.get(i), inputValue(field, values.get(field.name())));
    }
    row.put("inputs", in);

    Map<String, Object> outputs = record.outputs() == null ? Map.of() : record.outputs();
    GenericData.Record out = new GenericData.Record(outputsSchema);
    Object prediction = outputs.get("prediction");
    if (!(prediction instanceof Number number)) {
      throw new IllegalArgumentException("output 'prediction' is " + describe(prediction) + ", not a number");
    }
    out.put("prediction", number.doubleValue());
    out.put("probability", probability(outputs.get("probability")));
    Object label = outputs.get("predicted_label");
    if (label != null && !(label instanceof CharSequence)) {
      throw new IllegalArgumentException("output 'predicted_label' is " + describe(label) + ", not a string");
    }
    out.put("predicted_label", label == null ? null : label.toString());
    row.put("outputs", out);

    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
    try {
      writer.write(row, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the record does not fit the log's schema: " + e.getMessage(), e);
    }
    return bytes.toByteArray();
  }

  /** Microseconds since the epoch, as Avro's timestamp-micros and Spark's TimestampType hold them. */
  static long micros(Instant time) {
    return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000L), time.getNano() / 1_000);
  }

  // ------------------------------------------------------------------------------------------ types

  private static Schema avroType(InputField.FieldType type) {
    return switch (type) {
      case STRING -> Schema.create(Schema.Type.STRING);
      case INTEGER -> Schema.create(Schema.Type.INT);
      case LONG -> Schema.create(Schema.Type.LONG);
      case DOUBLE -> Schema.create(Schema.Type.DOUBLE);
      case FLOAT -> Schema.create(Schema.Type.FLOAT);
      case BOOLEAN -> Schema.create(Schema.Type.BOOLEAN);
      case TIMESTAMP -> timestampMicros();
      case DATE -> LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
    };
  }

  private static Schema timestampMicros() {
    return LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
  }

  /** Each input's Avro field name, refusing two that collide. */
  private static List<String> avroNames(List<InputField> inputs) {
    List<String> names = new ArrayList<>();
    Map<String, String> taken = new HashMap<>();
    for (InputField field : inputs) {
      String name = avroName(field.name());
      String clash = taken.putIfAbsent(name.toLowerCase(Locale.ROOT), field.name());
      if (clash != null) {
        throw new InvalidInputException("inputs '" + clash + "' and '" + field.name() + "' would both be stored "
            + "as '" + name + "' in the prediction log (Avro names are letters, digits and '_'; Spark ignores "
            + "case): rename one of them");
      }
      names.add(name);
    }
    return List.copyOf(names);
  }

  static String avroName(String name) {
    StringBuilder safe = new StringBuilder(name.length() + 1);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
      safe.append(letter || (i > 0 && c >= '0' && c <= '9') ? c
          : (i == 0 && c >= '0' && c <= '9') ? "_" + c : "_");
    }
    return safe.length() == 0 ? "_" : safe.toString();
  }

  // ------------------------------------------------------------------------------------------ values

  private static Object inputValue(InputField field, Object value) {
    if (value == null) {
      return null;
    }
    try {
      return switch (field.type()) {
        case STRING -> value instanceof CharSequence text ? text.toString() : wrongType(value);
        case BOOLEAN -> value instanceof Boolean flag ? flag : wrongType(value);
        case DOUBLE -> value instanceof Number number ? (Object) number.doubleValue() : wrongType(value);
        case FLOAT -> value instanceof Number number ? (Object) number.floatValue() : wrongType(value);
        case LONG -> integral(value);
        case INTEGER -> Math.toIntExact(integral(value));
        case TIMESTAMP -> micros(instant(value));
        case DATE -> (int) date(value).toEpochDay();
      };
    } catch (IllegalStateException | ArithmeticException | DateTimeParseException e) {
      // Not e.getMessage(): a parse error quotes the text, and inputs may be personal data.
      throw new IllegalArgumentException("input '" + field.name() + "' is " + describe(value)
          + ", which cannot be stored as " + field.type().signatureName());
    }
  }

  private static long integral(Object value) {
    if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    } else if (value instanceof BigInteger big) {
      return big.longValueExact();
    } else if (value instanceof BigDecimal decimal) {
      return decimal.longValueExact();
    } else if (value instanceof Double || value instanceof Float) {
      double number = ((Number) value).doubleValue();
      if (number != Math.rint(number) || Math.abs(number) > 0x1p62) {
        throw new ArithmeticException("not a whole number in range");
      }
      return (long) number;
    }
    return wrongType(value);
  }

  /** A timestamp as the scorer may hold it; text and local date-times without an offset are read as UTC. */
  private static Instant instant(Object value) {
    if (value instanceof Instant instant) {
      return instant;
    } else if (value instanceof OffsetDateTime time) {
      return time.toInstant();
    } else if (value instanceof ZonedDateTime time) {
      return time.toInstant();
    } else if (value instanceof LocalDateTime time) {
      return time.toInstant(ZoneOffset.UTC);
    } else if (value instanceof java.util.Date date) { // java.sql.Timestamp too
      return date.toInstant();
    } else if (value instanceof CharSequence text) {
      String s = text.toString();
      try {
        return OffsetDateTime.parse(s).toInstant();
      } catch (DateTimeParseException withoutOffset) {
        return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
      }
    }
    return wrongType(value);
  }

  private static LocalDate date(Object value) {
    if (value instanceof LocalDate date) {
      return date;
    } else if (value instanceof java.sql.Date date) {
      return date.toLocalDate();
    } else if (value instanceof CharSequence text) {
      return LocalDate.parse(text);
    }
    return wrongType(value);
  }

  private static List<Double> probability(Object value) {
    if (value == null) {
      return null;
    }
    List<Double> list = new ArrayList<>();
    if (value instanceof double[] doubles) {
      for (double d : doubles) {
        list.add(d);
      }
    } else if (value instanceof float[] floats) {
      for (float f : floats) {
        list.add((double) f);
      }
    } else if (value instanceof List<?> items) {
      for (Object item : items) {
        if (!(item instanceof Number number)) {
          throw new IllegalArgumentException("output 'probability' holds " + describe(item) + ", not a number");
        }
        list.add(number.doubleValue());
      }
    } else {
      throw new IllegalArgumentException("output 'probability' is " + describe(value) + ", not a double[]");
    }
    return list;
  }

  private static <T> T require(T value, String field) {
    if (value == null) {
      throw new IllegalArgumentException("'" + field + "' is null");
    }
    return value;
  }

  private static <T> T wrongType(Object value) {
    throw new IllegalStateException("wrong type");
  }

  /** The value's type, never the value: inputs may be personal data, and messages reach logs. */
  private static String describe(Object value) {
    return value == null ? "missing" : "a " + value.getClass().getName();
  }
}

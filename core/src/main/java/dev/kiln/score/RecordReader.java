package dev.kiln.score;

import dev.kiln.errors.InvalidRecordException;
import dev.kiln.errors.InvalidRecordException.Problem;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * Checks a record against the signature and writes its values into a frame in the types the pipeline was trained on:
 * the {@link RowScorer} contract's rules, with a message naming the field for each.
 */
final class RecordReader {

  private final List<InputField> fields;
  private final int[] slots;

  RecordReader(List<InputField> fields, Layout layout) {
    this.fields = List.copyOf(fields);
    this.slots = new int[fields.size()];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = layout.slot(fields.get(i).name());
    }
  }

  void read(Map<String, ?> record, Object[] frame) {
    int known = 0;
    for (int i = 0; i < slots.length; i++) {
      InputField field = fields.get(i);
      Object value = record.get(field.name());
      if (value == null && !record.containsKey(field.name())) {
        throw new InvalidRecordException(field.name(), Problem.MISSING, "field '" + field.name() + "' is missing ("
            + field.type().signatureName() + (field.nullable() ? ", may be null" : "") + ")");
      }
      known++;
      if (value == null && !field.nullable()) {
        throw new InvalidRecordException(field.name(), Problem.WRONG_TYPE, "field '" + field.name()
            + "' may not be null (" + field.type().signatureName() + ")");
      }
      frame[slots[i]] = value == null ? null : convert(field, value);
    }
    if (known != record.size()) {
      for (String name : record.keySet()) {
        if (fields.stream().noneMatch(f -> f.name().equals(name))) {
          throw new InvalidRecordException(name, Problem.UNKNOWN, "field '" + name + "' is not an input of the model"
              + " (its inputs: " + String.join(", ", fields.stream().map(InputField::name).toList()) + ")");
        }
      }
    }
  }

  private static Object convert(InputField field, Object value) {
    return switch (field.type()) {
      case STRING -> value instanceof String ? value : wrongType(field, value);
      case BOOLEAN -> value instanceof Boolean ? value : wrongType(field, value);
      case DOUBLE -> finite(field, number(field, value).doubleValue());
      case FLOAT -> (float) finite(field, number(field, value).doubleValue());
      case INTEGER -> (int) integral(field, value, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case LONG -> integral(field, value, Long.MIN_VALUE, Long.MAX_VALUE);
      case TIMESTAMP -> timestamp(field, value);
      case DATE -> date(field, value);
    };
  }

  private static Number number(InputField field, Object value) {
    if (value instanceof Number number) {
      return number;
    }
    return (Number) wrongType(field, value);
  }

  private static double finite(InputField field, double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new InvalidRecordException(field.name(), Problem.NOT_FINITE, "field '" + field.name() + "' is "
          + value + "; a number must be finite (send null for a missing value)");
    }
    return value;
  }

  private static long integral(InputField field, Object value, long min, long max) {
    Number number = number(field, value);
    boolean fits;
    long exact = 0;
    if (number instanceof Integer || number instanceof Long || number instanceof Short || number instanceof Byte) {
      exact = number.longValue();
      fits = exact >= min && exact <= max;
    } else if (number instanceof BigInteger || number instanceof BigDecimal) {
      BigDecimal decimal = number instanceof BigInteger big ? new BigDecimal(big) : (BigDecimal) number;
      fits = decimal.stripTrailingZeros().scale() <= 0 && decimal.compareTo(BigDecimal.valueOf(min)) >= 0
          && decimal.compareTo(BigDecimal.valueOf(max)) <= 0;
      exact = fits ? decimal.longValueExact() : 0;
    } else {
      double d = finite(field, number.doubleValue());
      // min and max as doubles round outward for long, which the cast then saturates: compare with care.
      fits = d == Math.rint(d) && d >= min && d <= max && (max == Integer.MAX_VALUE || d < 0x1p63);
      exact = (long) d;
    }
    if (!fits) {
      throw new InvalidRecordException(field.name(), Problem.WRONG_TYPE, "field '" + field.name() + "' is " + value
          + ", not an " + field.type().signatureName());
    }
    return exact;
  }

  private static Instant timestamp(InputField field, Object value) {
    if (value instanceof Instant instant) {
      return instant;
    } else if (value instanceof OffsetDateTime offset) {
      return offset.toInstant();
    } else if (value instanceof ZonedDateTime zoned) {
      return zoned.toInstant();
    } else if (value instanceof java.sql.Timestamp timestamp) {
      return timestamp.toInstant();
    } else if (value instanceof String text) {
      try {
        return OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException e) {
        String hint = "";
        try {
          LocalDateTime.parse(text);
          hint = " (add a zone offset, e.g. Z or +01:00)";
        } catch (DateTimeParseException ignored) {
          // not a local date-time either
        }
        throw new InvalidRecordException(field.name(), Problem.WRONG_TYPE, "field '" + field.name() + "' is '"
            + text + "', not an ISO-8601 timestamp with an offset" + hint);
      }
    }
    return (Instant) wrongType(field, value);
  }

  private static LocalDate date(InputField field, Object value) {
    if (value instanceof LocalDate date) {
      return date;
    } else if (value instanceof String text) {
      try {
        return LocalDate.parse(text);
      } catch (DateTimeParseException e) {
        throw new InvalidRecordException(field.name(), Problem.WRONG_TYPE, "field '" + field.name() + "' is '"
            + text + "', not an ISO-8601 date (yyyy-mm-dd)");
      }
    }
    return (LocalDate) wrongType(field, value);
  }

  private static Object wrongType(InputField field, Object value) {
    throw new InvalidRecordException(field.name(), Problem.WRONG_TYPE, "field '" + field.name() + "' should be "
        + describe(field.type()) + " but is " + jsonKind(value));
  }

  private static String describe(InputField.FieldType type) {
    return switch (type) {
      case STRING -> "a string";
      case BOOLEAN -> "true or false";
      case TIMESTAMP -> "an ISO-8601 timestamp string";
      case DATE -> "an ISO-8601 date string";
      default -> "a number (" + type.signatureName() + ")";
    };
  }

  private static String jsonKind(Object value) {
    if (value instanceof String text) {
      return "the string \"" + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "\"";
    } else if (value instanceof Number) {
      return "the number " + value;
    } else if (value instanceof Boolean) {
      return value.toString();
    } else if (value instanceof Map) {
      return "an object";
    } else if (value instanceof List || value.getClass().isArray()) {
      return "an array";
    }
    return "a " + value.getClass().getSimpleName();
  }
}

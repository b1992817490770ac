package dev.kiln.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.score.InputField.FieldType;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A registered model's signature ({@code ModelVersion.signature()}): the input fields a record carries and the
 * output fields a prediction has.
 *
 * @param inputs the input fields, in the order the training data had them
 * @param outputs the names of the output fields
 */
public record ModelSignature(List<InputField> inputs, List<String> outputs) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public ModelSignature {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /**
   * Reads the registry's JSON form, {@code {"inputs": <Spark schema>, "outputs": <Spark schema>}}.
   *
   * @throws InvalidInputException when the text is not a signature or an input has a type no record can carry
   */
  public static ModelSignature parse(String json) {
    try {
      JsonNode root = JSON.readTree(json);
      if (root == null || !root.has("inputs") || !root.has("outputs")) {
        throw new InvalidInputException("the model's signature has no inputs and outputs: " + json);
      }
      StructType in = (StructType) DataType.fromJson(root.get("inputs").toString());
      StructType out = (StructType) DataType.fromJson(root.get("outputs").toString());
      List<InputField> inputs = new ArrayList<>();
      for (StructField field : in.fields()) {
        inputs.add(new InputField(field.name(), typeOf(field), field.nullable()));
      }
      return new ModelSignature(inputs, List.of(out.fieldNames()));
    } catch (InvalidInputException e) {
      throw e;
    } catch (Exception e) {
      throw new InvalidInputException("the model's signature cannot be read: " + e.getMessage(), e);
    }
  }

  /** The inputs as a Spark schema, each field typed as {@link InputField#type()}. */
  public StructType inputSchema() {
    StructType schema = new StructType();
    for (InputField field : inputs) {
      schema = schema.add(field.name(), sparkType(field.type()), field.nullable());
    }
    return schema;
  }

  static DataType sparkType(FieldType type) {
    return switch (type) {
      case STRING -> DataTypes.StringType;
      case INTEGER -> DataTypes.IntegerType;
      case LONG -> DataTypes.LongType;
      case DOUBLE -> DataTypes.DoubleType;
      case FLOAT -> DataTypes.FloatType;
      case BOOLEAN -> DataTypes.BooleanType;
      case TIMESTAMP -> DataTypes.TimestampType;
      case DATE -> DataTypes.DateType;
    };
  }

  private static FieldType typeOf(StructField field) {
    DataType type = field.dataType();
    if (type.equals(DataTypes.StringType)) {
      return FieldType.STRING;
    } else if (type.equals(DataTypes.IntegerType) || type.equals(DataTypes.ShortType)
        || type.equals(DataTypes.ByteType)) {
      return FieldType.INTEGER;
    } else if (type.equals(DataTypes.LongType)) {
      return FieldType.LONG;
    } else if (type.equals(DataTypes.DoubleType) || type instanceof org.apache.spark.sql.types.DecimalType) {
      return FieldType.DOUBLE;
    } else if (type.equals(DataTypes.FloatType)) {
      return FieldType.FLOAT;
    } else if (type.equals(DataTypes.BooleanType)) {
      return FieldType.BOOLEAN;
    } else if (type.equals(DataTypes.TimestampType) || type.equals(DataTypes.TimestampNTZType)) {
      return FieldType.TIMESTAMP;
    } else if (type.equals(DataTypes.DateType)) {
      return FieldType.DATE;
    }
    throw new InvalidInputException("input '" + field.name() + "' has type " + type.simpleString()
        + ", which a record cannot carry; supported: string, integer, long, double, float, boolean, timestamp, date");
  }
}

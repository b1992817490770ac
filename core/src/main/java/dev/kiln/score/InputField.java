package dev.kiln.score;

/**
 * One field of a model's input signature.
 *
 * @param name the column name the pipeline reads
 * @param type its type
 * @param nullable whether {@code null} is accepted (the pipeline imputes or indexes it)
 */
public record InputField(String name, FieldType type, boolean nullable) {

  /** The value types a record can carry, named as in the model's signature and the OpenAPI description. */
  public enum FieldType {
    STRING("string"), INTEGER("integer"), LONG("long"), DOUBLE("double"), FLOAT("float"), BOOLEAN("boolean"),
    TIMESTAMP("timestamp"), DATE("date");

    private final String signatureName;

    FieldType(String signatureName) {
      this.signatureName = signatureName;
    }

    /** Spark's simple type name, as it appears in the signature JSON. */
    public String signatureName() {
      return signatureName;
    }

    public boolean numeric() {
      return this == INTEGER || this == LONG || this == DOUBLE || this == FLOAT;
    }
  }
}

package dev.kiln.testing;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/** Resolves {@link SparkSession} and {@link DataFrameAssertions} parameters; see {@link UsesSpark}. */
public final class SparkSessionExtension implements ParameterResolver {

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == SparkSession.class || type == DataFrameAssertions.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    SparkSession spark = SharedSpark.session();
    return parameter.getParameter().getType() == SparkSession.class ? spark : new DataFrameAssertions(spark);
  }
}

package dev.kiln.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that uses Spark: its test methods, constructors and lifecycle methods may take a
 * {@link org.apache.spark.sql.SparkSession} (the JVM's shared one) and a {@link DataFrameAssertions} parameter.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(SparkSessionExtension.class)
public @interface UsesSpark {}

package dev.kiln.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.analysis.UnresolvedStar;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import scala.collection.JavaConverters;

/**
 * Spark SQL expressions of a config ({@code features.derived}) read without a Spark session: Spark's own parser says
 * whether one parses and which columns it reads, so a config check catches a typo before any work starts. Whether
 * its functions exist and its types fit is known only when the pipeline is fitted.
 */
public final class SqlExpressions {

  private SqlExpressions() {}

  /**
   * The columns {@code expression} reads, in the order they first appear: the first part of each name ({@code a}
   * of {@code a.b}, a struct field of {@code a}). Names inside a lambda ({@code transform(xs, x -> x + 1)}) are the
   * lambda's own, not columns.
   *
   * @throws IllegalArgumentException when it does not parse, or reads {@code *}; the message says why
   */
  public static List<String> columnsRead(String expression) {
    Set<String> columns = new LinkedHashSet<>();
    collect(parse(expression), columns);
    return List.copyOf(new ArrayList<>(columns));
  }

  /**
   * {@code expression} parsed by Spark's parser, unresolved.
   *
   * @throws IllegalArgumentException when it does not parse: "is not a Spark SQL expression: " and Spark's reason
   */
  public static Expression parse(String expression) {
    try {
      return CatalystSqlParser$.MODULE$.parseExpression(expression);
    } catch (Exception e) {  // ParseException, checked to Java's eyes
      // Spark's message: the error, then the SQL with a pointer; the first line says what is wrong and where.
      String message = String.valueOf(e.getMessage()).strip().lines().findFirst().orElse("").strip();
      throw new IllegalArgumentException("is not a Spark SQL expression: " + message, e);
    }
  }

  private static void collect(Expression expression, Set<String> columns) {
    if (expression instanceof UnresolvedStar) {
      throw new IllegalArgumentException("reads '*': name the columns it reads");
    }
    if (expression instanceof UnresolvedAttribute attribute) {
      columns.add(attribute.nameParts().head());
    }
    for (Expression child : JavaConverters.seqAsJavaList(expression.children())) {
      collect(child, columns);
    }
  }
}

package dev.kiln.score;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.MutableProjection;
import org.apache.spark.sql.catalyst.expressions.MutableProjection$;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.optimizer.ReplaceExpressions$;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.LocalRelation;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias;
import org.apache.spark.sql.catalyst.plans.logical.View;
import org.apache.spark.sql.catalyst.util.DateTimeUtils;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import scala.Function1;
import scala.collection.JavaConverters;

/**
 * A {@code SQLTransformer} whose statement is a projection of {@code __THIS__} (what the feature spec's derived
 * columns compile to). The statement is analysed once, by Spark's own analyser against the columns known at that
 * point; the new columns' resolved Catalyst expressions are then evaluated per row by a Catalyst projection — Spark's
 * own expression code, so results equal {@code transform}'s, with no job and no session per row.
 */
final class SqlStages {

  private SqlStages() {}

  static RowStage sqlTransformer(SQLTransformer stage, Layout layout, String name) {
    SparkSession spark = SparkSession.active();
    StructType schema = layout.scalarSchema();
    String view = "kiln_score_" + UUID.randomUUID().toString().replace('-', '_');
    Dataset<Row> empty = spark.createDataFrame(Collections.<Row>emptyList(), schema);
    empty.createOrReplaceTempView(view);
    LogicalPlan plan;
    try {
      plan = spark.sql(stage.getStatement().replace("__THIS__", view)).queryExecution().analyzed();
    } finally {
      spark.catalog().dropTempView(view);
    }
    plan = ReplaceExpressions$.MODULE$.apply(plan);
    if (!(plan instanceof Project project) || !readsTheRowsAsTheyAre(project.child())) {
      throw new IllegalArgumentException(name + ": its statement is not a projection of __THIS__ (a filter, join, "
          + "aggregate or a change of rows cannot be scored row by row): " + stage.getStatement());
    }
    List<Attribute> inputs = JavaConverters.seqAsJavaList(project.child().output());
    int[] inputSlots = new int[inputs.size()];
    @SuppressWarnings("unchecked")
    Function1<Object, Object>[] toCatalyst = new Function1[inputs.size()];
    for (int i = 0; i < inputs.size(); i++) {
      inputSlots[i] = layout.slot(inputs.get(i).name());
      toCatalyst[i] = CatalystTypeConverters.createToCatalystConverter(inputs.get(i).dataType());
    }
    List<Expression> computed = new ArrayList<>();
    List<Integer> outputSlots = new ArrayList<>();
    List<DataType> outputTypes = new ArrayList<>();
    for (NamedExpression named : JavaConverters.seqAsJavaList(project.projectList())) {
      Expression output = (Expression) named;
      if (output instanceof AttributeReference reference && inputs.contains(reference)) {
        continue;  // a column passed through by *
      }
      if (!output.deterministic()) {
        throw new IllegalArgumentException(name + ": '" + named.name() + "' is not deterministic (" + output.sql()
            + "), so no scorer could repeat it");
      }
      computed.add(output);
      outputTypes.add(output.dataType());
      outputSlots.add(layout.define(named.name(), output.dataType()));
    }
    // A projection is stateful (it reuses its output row), so each thread gets its own; Spark compiles it once.
    ThreadLocal<MutableProjection> projection = ThreadLocal.withInitial(() -> {
      MutableProjection created = MutableProjection$.MODULE$.create(
          JavaConverters.asScalaBuffer(computed).toSeq(), project.child().output());
      created.initialize(0);
      return created;
    });
    projection.get();  // fails here, at compile time, if Spark cannot build it
    int[] slots = outputSlots.stream().mapToInt(Integer::intValue).toArray();
    DataType[] types = outputTypes.toArray(DataType[]::new);
    return frame -> {
      Object[] values = new Object[inputSlots.length];
      for (int i = 0; i < values.length; i++) {
        values[i] = toCatalyst[i].apply(frame[inputSlots[i]]);
      }
      GenericInternalRow row = new GenericInternalRow(values);
      InternalRow result = projection.get().apply(row);
      for (int i = 0; i < slots.length; i++) {
        frame[slots[i]] = toJava(result.get(i, types[i]), types[i]);
      }
    };
  }

  /** The view itself, under any aliases: no filter, join, aggregate or other operator between it and the projection. */
  private static boolean readsTheRowsAsTheyAre(LogicalPlan plan) {
    LogicalPlan at = plan;
    while (at instanceof SubqueryAlias || at instanceof View) {
      at = at.children().head();
    }
    return at instanceof LocalRelation;
  }

  /** A Catalyst value as the frame holds it: text as String, timestamps as Instant, dates as LocalDate. */
  private static Object toJava(Object value, DataType type) {
    if (value == null) {
      return null;
    }
    if (type instanceof StringType) {
      return value.toString();
    } else if (type instanceof TimestampType) {
      return DateTimeUtils.microsToInstant((Long) value);
    } else if (type instanceof TimestampNTZType) {
      return DateTimeUtils.microsToLocalDateTime((Long) value);
    } else if (type instanceof DateType) {
      return DateTimeUtils.daysToLocalDate((Integer) value);
    }
    return CatalystTypeConverters.convertToScala(value, type);
  }
}

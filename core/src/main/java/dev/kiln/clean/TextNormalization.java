package dev.kiln.clean;

import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.udf;

import java.io.Serializable;
import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * One normalisation of text, applied alike to a Java string ({@link #apply(String)}) and to a Spark column
 * ({@link #apply(Column, boolean)}), so that a value normalised at serving time without Spark equals the same value
 * normalised in a Spark transform. Its steps, in this order, each one optional:
 * <ol>
 *   <li>{@code nfkc}: Unicode NFKC normalisation (compatibility forms become their plain equivalents: fullwidth
 *       {@code "ＵＳＡ"} becomes {@code "USA"}, a non-breaking space a space);</li>
 *   <li>{@code caseMode}: {@code lower}, {@code upper} or {@code none}, with the locale-independent rules of
 *       {@link Locale#ROOT};</li>
 *   <li>{@code collapseWhitespace}: each run of Unicode white space (the {@code White_Space} property: tabs, line
 *       breaks, non-breaking and ideographic spaces...) becomes one space;</li>
 *   <li>{@code trim}: Unicode white space is removed from both ends.</li>
 * </ol>
 * Null stays null.
 */
record TextNormalization(boolean nfkc, String caseMode, boolean collapseWhitespace, boolean trim)
    implements Serializable {

  static final String LOWER = "lower";
  static final String UPPER = "upper";
  static final String NONE = "none";

  /** NFKC, lower case, white space collapsed and trimmed: {@link ValueCanonicalizer}'s defaults. */
  static final TextNormalization DEFAULT = new TextNormalization(true, LOWER, true, true);

  // Spark's regexp_replace compiles its pattern with java.util.regex too, so both sides match alike. (Spark's own
  // trim only removes ASCII spaces.)
  private static final String WHITESPACE_RUN = "\\p{IsWhite_Space}+";
  private static final String EDGE_WHITESPACE = "\\A\\p{IsWhite_Space}+|\\p{IsWhite_Space}+\\z";
  private static final Pattern WHITESPACE_RUN_PATTERN = Pattern.compile(WHITESPACE_RUN);
  private static final Pattern EDGE_WHITESPACE_PATTERN = Pattern.compile(EDGE_WHITESPACE);

  String apply(String value) {
    if (value == null) {
      return null;
    }
    String result = fold(value, nfkc, caseMode);
    if (collapseWhitespace) {
      result = WHITESPACE_RUN_PATTERN.matcher(result).replaceAll(" ");
    }
    if (trim) {
      result = EDGE_WHITESPACE_PATTERN.matcher(result).replaceAll("");
    }
    return result;
  }

  /** {@code value} normalised; non-null when {@code value} is not {@code nullable}. */
  Column apply(Column value, boolean nullable) {
    Column result = value;
    if (nfkc || !caseMode.equals(NONE)) {
      // NFKC has no Spark SQL function, and Spark's lower and upper follow the JVM's default locale (in a Turkish
      // one "I" lower-cases to a dotless "ı"): both steps run in Java, as apply(String) runs them.
      boolean form = nfkc;
      String mode = caseMode;
      UserDefinedFunction folded = udf((UDF1<String, String>) v -> fold(v, form, mode), DataTypes.StringType)
          .withName("kiln_text_fold");
      // A non-nullable column stays non-nullable, as transformSchema says; the fold never makes a null.
      result = (nullable ? folded : folded.asNonNullable()).apply(result);
    }
    if (collapseWhitespace) {
      result = regexp_replace(result, WHITESPACE_RUN, " ");
    }
    if (trim) {
      result = regexp_replace(result, EDGE_WHITESPACE, "");
    }
    return result;
  }

  private static String fold(String value, boolean nfkc, String caseMode) {
    if (value == null) {
      return null;
    }
    String result = nfkc ? Normalizer.normalize(value, Normalizer.Form.NFKC) : value;
    return switch (caseMode) {
      case LOWER -> result.toLowerCase(Locale.ROOT);
      case UPPER -> result.toUpperCase(Locale.ROOT);
      default -> result;
    };
  }
}

package dev.kiln.generate;

import static org.apache.spark.sql.functions.expr;

import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Generates a messy, enterprise-like customer-churn table: one row per customer record, as a CRM export would give
 * it, with exact duplicate rows, re-sent records (same {@code customer_id}, newer {@code updated_at}), missing values,
 * outliers, inconsistent spellings of countries and a {@code churned} label with real but imperfect signal.
 *
 * <p>Every value is a pure function of the row index and the seed (hashes, not a stateful random generator), so the
 * table is identical for a seed whatever the number of partitions or executors. The counts of exact duplicates and
 * re-sent records are exact by construction: rows {@code [0, originals)} are customers' first records, the next
 * {@code resent} rows are newer records of existing customers, the last {@code duplicates} rows copy earlier rows;
 * an affine permutation of the index then scatters them through the table.
 */
public final class ChurnDataGenerator {

  /** The generated columns, in order. */
  public static final List<String> COLUMNS = List.of("customer_id", "updated_at", "signup_date", "country",
      "plan", "contract", "payment_method", "tenure_months", "monthly_charges", "total_charges", "support_calls",
      "age", "churned");

  /** Canonical country codes and the spellings a careless upstream system uses for them. */
  private static final String[][] COUNTRIES = {
      {"US", "usa", "United States", "U.S.", "united states", "US "},
      {"GB", "UK", "United Kingdom", "uk", "Great Britain"},
      {"DE", "Germany", "germany", "Deutschland"},
      {"FR", "France", "france"},
      {"CA", "Canada", "canada"},
      {"IN", "India", "india"},
  };
  private static final double[] COUNTRY_SHARES = {0.45, 0.15, 0.12, 0.10, 0.10, 0.08};

  /**
   * What to generate.
   *
   * @param rows total rows, exactly
   * @param duplicateRate share of rows that are exact copies of another row
   * @param resendRate share of rows that are newer records of a customer who already has a row
   * @param missingRate base rate of missing values (each column varies around it)
   * @param outlierRate share of rows with an entry-error outlier in {@code monthly_charges} or {@code age}
   * @param misspellingRate share of rows whose country is spelled other than its canonical code
   * @param shift how far this table has moved from the default population, 0 (none) to 1: monthly charges rise by up
   *     to 30, month-to-month contracts and support calls grow more common, and the label's dependence on them
   *     changes (a new customer mix and a new churn behaviour, as a later day of a real business brings)
   * @param start the first day of {@code updated_at}: first records fall in the 30 days from it, re-sent ones up to
   *     90 days later
   * @param firstCustomer the number of the first customer id ({@code C000000000} by default), so a later table of new
   *     customers does not reuse earlier ids
   */
  public record Spec(long rows, long seed, double duplicateRate, double resendRate, double missingRate,
      double outlierRate, double misspellingRate, double shift, java.time.LocalDate start, long firstCustomer) {

    /** The first day of the default table's {@code updated_at}. */
    public static final java.time.LocalDate DEFAULT_START = java.time.LocalDate.of(2024, 6, 30);

    public Spec(long rows, long seed, double duplicateRate, double resendRate, double missingRate,
        double outlierRate, double misspellingRate) {
      this(rows, seed, duplicateRate, resendRate, missingRate, outlierRate, misspellingRate, 0, DEFAULT_START, 0);
    }

    public Spec {
      if (shift < 0 || shift > 1) {
        throw new IllegalArgumentException("shift must be in [0, 1], not " + shift);
      }
      if (firstCustomer < 0 || firstCustomer > 999_999_999L - rows) {
        throw new IllegalArgumentException("the first customer number must be 0 to " + (999_999_999L - rows)
            + " for " + rows + " rows (ids have nine digits), not " + firstCustomer);
      }
      if (rows < 1_000 || rows > 100_000_000L) {
        throw new IllegalArgumentException("rows must be 1,000 to 100,000,000, not " + rows);
      }
      for (double rate : new double[] {duplicateRate, resendRate, missingRate, outlierRate, misspellingRate}) {
        if (rate < 0 || rate > 0.5) {
          throw new IllegalArgumentException("rates must be in [0, 0.5], not " + rate);
        }
      }
    }

    public static Spec of(long rows, long seed) {
      return new Spec(rows, seed, 0.02, 0.05, 0.05, 0.01, 0.15);
    }

    /** This table moved by {@code shift}, starting on {@code start}, with customer numbers from {@code first}. */
    public Spec shifted(double shift, java.time.LocalDate start, long first) {
      return new Spec(rows, seed, duplicateRate, resendRate, missingRate, outlierRate, misspellingRate, shift, start,
          first);
    }

    /** Exact copies of an earlier row. */
    public long duplicateRows() {
      return (long) Math.floor(rows * duplicateRate);
    }

    /** Newer records of a customer who has an earlier one. */
    public long resentRows() {
      return (long) Math.floor(rows * resendRate);
    }

    /** Distinct customers: the rows left after exact and keyed deduplication. */
    public long customers() {
      return rows - duplicateRows() - resentRows();
    }

    /** A stable JSON description, stored with the data so a reader knows how it was made. */
    public String toJson() {
      return String.format(Locale.ROOT, "{\"generator\":\"churn\",\"rows\":%d,\"seed\":%d,\"duplicateRate\":%s,"
              + "\"resendRate\":%s,\"missingRate\":%s,\"outlierRate\":%s,\"misspellingRate\":%s,"
              + "\"duplicateRows\":%d,\"resentRows\":%d,\"customers\":%d%s}",
          rows, seed, duplicateRate, resendRate, missingRate, outlierRate, misspellingRate, duplicateRows(),
          resentRows(), customers(), shift == 0 && start.equals(DEFAULT_START) && firstCustomer == 0 ? ""
              : String.format(Locale.ROOT, ",\"shift\":%s,\"start\":\"%s\",\"firstCustomer\":%d", shift, start,
                  firstCustomer));
    }
  }

  private final Spec spec;

  public ChurnDataGenerator(Spec spec) {
    this.spec = spec;
  }

  /** The table as a lazy Dataset; {@code partitions} only sets how many files a write produces. */
  public Dataset<Row> generate(SparkSession spark, int partitions) {
    long n = spec.rows();
    long customers = spec.customers();
    double shift = spec.shift();
    long records = customers + spec.resentRows();
    // Output position p shows index i = (a*p + c) mod n; a is a prime above n's largest value, so coprime with n.
    long a = 1_000_000_007L;
    long c = Math.floorMod(spec.seed() * 7_919L, n);

    Dataset<Row> ids = spark.range(0, n, 1, partitions).toDF("p")
        .withColumn("i", expr(String.format("pmod(p * %dL + %dL, %dL)", a, c, n)))
        .withColumn("src", expr(String.format("if(i < %dL, i, pmod(xxhash64(i, %dL, 99), %dL))", records,
            spec.seed(), records)))
        .withColumn("cust", expr(String.format("if(src < %dL, src, pmod(xxhash64(src, %dL, 98), %dL))", customers,
            spec.seed(), customers)))
        // rev 0 is a customer's first record; each re-sent record has its own rev, so two re-sends differ.
        .withColumn("rev", expr(String.format("if(src < %dL, 0L, src - %dL + 1L)", customers, customers)));

    Dataset<Row> clean = ids
        .withColumn("tenure_months", expr("cast(floor(" + u("cust", 2) + " * 73) as int)"))
        .withColumn("country_idx", expr(pick(u("cust", 5), COUNTRY_SHARES)))
        .withColumn("plan", expr(choose(u("cust", 8), new double[] {0.45, 0.35, 0.20},
            "basic", "standard", "premium")))
        .withColumn("contract", expr(choose(u("cust", 9), new double[] {0.55 + 0.25 * shift, 0.25 - 0.1 * shift,
            0.20 - 0.15 * shift}, "month-to-month", "one-year", "two-year")))
        .withColumn("payment_clean", expr(choose(u("cust", 10), new double[] {0.35, 0.25, 0.22, 0.18},
            "electronic-check", "credit-card", "bank-transfer", "mailed-check")))
        .withColumn("monthly_clean", expr("round(case plan when 'basic' then 35 when 'standard' then 65 "
            + "else 95 end + " + 30 * shift + " + 8 * " + normal("cust", 11) + " + if(rev > 0, 5 * "
            + u("src", 12) + ", 0), 2)"))
        .withColumn("calls_clean", expr("cast(least(15, floor(-ln(" + u("src", 13) + ") * "
            + "if(contract = 'month-to-month', 2.0, 1.2) * " + (1 + shift) + ")) as int)"))
        .withColumn("age_clean", expr("cast(18 + floor(" + u("cust", 14) + " * 62) as int)"));

    // The label depends on the clean values; noise makes the signal real but imperfect (AUC well under 1). A shift
    // turns the effects of contract and support calls around (weights times 1 - 2 * shift): a new churn behaviour;
    // the intercept moves with it (3.9 at shift 1, what the turned terms take away) so about as many customers churn.
    double turn = 1 - 2 * shift;
    Dataset<Row> labelled = clean.withColumn("churned", expr("cast(" + u("cust", 30) + " < 1 / (1 + exp(-("
        + (-1.3 + 3.9 * shift) + " + " + turn + " * if(contract = 'month-to-month', 1.6, if(contract = 'one-year', 0.4, 0))"
        + " - 0.04 * tenure_months + 0.025 * (monthly_clean - 65 - " + 30 * shift + ") + " + 0.30 * turn
        + " * calls_clean"
        + " + if(payment_clean = 'electronic-check', 0.6, 0) - if(plan = 'premium', 0.5, 0)"
        + " - 0.01 * (age_clean - 45) + 0.8 * " + normal("cust", 31) + "))) as int)"));

    double miss = spec.missingRate();
    double outlier = spec.outlierRate();
    Dataset<Row> messy = labelled
        .withColumn("customer_id", expr("format_string('C%09d', cust + " + spec.firstCustomer() + "L)"))
        .withColumn("updated_at", expr("timestamp_seconds(" + spec.start().toEpochDay() * 86_400L + "L + cast("
            + u("cust", 3)
            + " * 2592000 as bigint) + if(rev > 0, 86400L + cast(" + u("src", 4) + " * 5184000 as bigint), 0L))"))
        .withColumn("signup_date", expr("date_sub(date'2025-06-30', tenure_months * 30 + cast(floor("
            + u("cust", 1) + " * 30) as int))"))
        .withColumn("country", expr("if(" + u("src", 6) + " < " + miss / 5 + ", null, " + spelling() + ")"))
        .withColumn("payment_method", expr("if(" + u("src", 15) + " < " + miss * 0.6 + ", null, payment_clean)"))
        .withColumn("monthly_charges", expr("case when " + u("src", 16) + " < " + outlier / 2
            + " then monthly_clean * 100 when " + u("src", 16) + " < " + outlier * 0.7
            + " then -monthly_clean else monthly_clean end"))
        .withColumn("total_charges", expr("if(" + u("src", 17) + " < " + miss * 0.4 + " or tenure_months = 0, "
            + "null, round(monthly_clean * tenure_months + 20 * " + normal("src", 18) + ", 2))"))
        .withColumn("support_calls", expr("if(" + u("src", 19) + " < " + miss + ", null, calls_clean)"))
        .withColumn("age", expr("case when " + u("src", 20) + " < " + miss * 1.2 + " then null when "
            + u("src", 21) + " < " + outlier / 2 + " then 999 else age_clean end"));

    return messy.select(COLUMNS.stream().map(org.apache.spark.sql.functions::col)
        .toArray(org.apache.spark.sql.Column[]::new));
  }

  /** A uniform double in (0, 1) from the hash of {@code key}, the seed and a stream number. */
  private String u(String key, int stream) {
    return "((shiftrightunsigned(xxhash64(" + key + ", " + spec.seed() + "L, " + stream
        + "), 11) + 0.5) / 9007199254740992.0)";
  }

  /** A standard normal from two uniforms (Box-Muller). */
  private String normal(String key, int stream) {
    return "(sqrt(-2 * ln(" + u(key, stream) + ")) * cos(2 * pi() * " + u(key, stream + 1000) + "))";
  }

  /** The 1-based index of the share that {@code uniform} falls into. */
  private static String pick(String uniform, double[] shares) {
    StringBuilder sql = new StringBuilder("case");
    double cumulative = 0;
    for (int i = 0; i < shares.length - 1; i++) {
      cumulative += shares[i];
      sql.append(" when ").append(uniform).append(" < ").append(cumulative).append(" then ").append(i + 1);
    }
    return sql.append(" else ").append(shares.length).append(" end").toString();
  }

  private static String choose(String uniform, double[] shares, String... values) {
    StringBuilder sql = new StringBuilder("element_at(array(");
    for (int i = 0; i < values.length; i++) {
      sql.append(i == 0 ? "'" : ", '").append(values[i]).append("'");
    }
    return sql.append("), ").append(pick(uniform, shares)).append(")").toString();
  }

  /** The canonical code, or one of its other spellings for {@code misspellingRate} of rows. */
  private String spelling() {
    StringBuilder canonical = new StringBuilder("element_at(array(");
    StringBuilder variants = new StringBuilder("element_at(array(");
    for (int i = 0; i < COUNTRIES.length; i++) {
      canonical.append(i == 0 ? "" : ", ").append("'").append(COUNTRIES[i][0]).append("'");
      variants.append(i == 0 ? "" : ", ").append("array(");
      for (int j = 1; j < COUNTRIES[i].length; j++) {
        variants.append(j == 1 ? "" : ", ").append("'").append(COUNTRIES[i][j]).append("'");
      }
      variants.append(")");
    }
    canonical.append("), country_idx)");
    variants.append("), country_idx)");
    String variant = "element_at(" + variants + ", 1 + cast(floor(" + u("src", 7) + " * size(" + variants
        + ")) as int))";
    return "if(" + u("src", 22) + " < " + spec.misspellingRate() + ", " + variant + ", " + canonical + ")";
  }
}

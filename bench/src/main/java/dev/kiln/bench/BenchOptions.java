package dev.kiln.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The benchmark's command line. Defaults are the sizes the issue asks for; smaller {@code --rows} make a quick check
 * of the program itself, not a measurement.
 *
 * @param data the cache directory for generated tables and the PostgreSQL data directory
 * @param rows rows of every table
 * @param files files of the file and Delta tables
 * @param formats the table formats block sampling is measured on
 * @param fraction the sample fraction
 * @param seed the sampling seed
 * @param warmups unrecorded runs of each side before the repetitions
 * @param repetitions recorded runs of each side
 * @param pushdownRepetitions recorded runs of each side of the PostgreSQL benchmark
 * @param jdbcPartitions parallel connections of the JDBC source, the same on both sides
 * @param benchmarks which to run: {@code blocks}, {@code pushdown}
 */
record BenchOptions(Path data, long rows, int files, List<String> formats, double fraction, long seed, int warmups,
    int repetitions, int pushdownRepetitions, int jdbcPartitions, List<String> benchmarks) {

  static final String USAGE = """
      usage: bench/run-sampling [options]
        --data DIR          cache for generated tables and PostgreSQL's data (default bench/target/sampling-data)
        --only NAME         blocks or pushdown (default: both)
        --formats LIST      block sampling on parquet,delta (default both)
        --rows N            rows per table (default 10000000)
        --files N           files per file/Delta table (default 128)
        --fraction F        sample fraction (default 0.01)
        --seed N            sampling seed (default 42)
        --warmups N         unrecorded runs of each side first (default 1)
        --reps N            recorded runs of each side, at least 3 (default 5)
        --pushdown-reps N   recorded runs of each side for PostgreSQL, at least 3 (default 5)
        --jdbc-partitions N parallel connections of the JDBC source, both sides (default 2: one per core here)""";

  static BenchOptions parse(String... args) {
    Path data = Path.of("bench", "target", "sampling-data");
    long rows = 10_000_000;
    int files = 128;
    List<String> formats = List.of("parquet", "delta");
    double fraction = 0.01;
    long seed = 42;
    int warmups = 1;
    int repetitions = 5;
    int pushdownRepetitions = 5;
    int jdbcPartitions = 2;
    List<String> benchmarks = List.of("blocks", "pushdown");
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("-h") || flag.equals("--help")) {
        throw new IllegalArgumentException("");
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--data" -> data = Path.of(value);
        case "--only" -> benchmarks = List.of(value);
        case "--formats" -> formats = Arrays.stream(value.split(",")).map(String::strip).toList();
        case "--rows" -> rows = Long.parseLong(value.replace("_", ""));
        case "--files" -> files = Integer.parseInt(value);
        case "--fraction" -> fraction = Double.parseDouble(value);
        case "--seed" -> seed = Long.parseLong(value);
        case "--warmups" -> warmups = Integer.parseInt(value);
        case "--reps" -> repetitions = Integer.parseInt(value);
        case "--pushdown-reps" -> pushdownRepetitions = Integer.parseInt(value);
        case "--jdbc-partitions" -> jdbcPartitions = Integer.parseInt(value);
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    // Fewer than three runs give no median worth quoting on a noisy machine.
    if (repetitions < 3 || pushdownRepetitions < 3) {
      throw new IllegalArgumentException("--reps and --pushdown-reps must be at least 3");
    }
    for (String b : benchmarks) {
      if (!List.of("blocks", "pushdown").contains(b)) {
        throw new IllegalArgumentException("--only takes blocks or pushdown, not " + b);
      }
    }
    for (String f : formats) {
      if (!List.of("parquet", "delta").contains(f)) {
        throw new IllegalArgumentException("--formats takes parquet and/or delta, not " + f);
      }
    }
    if (!(fraction > 0 && fraction < 1) || rows < 1 || files < 1 || warmups < 0 || jdbcPartitions < 1) {
      throw new IllegalArgumentException("--fraction must be in (0, 1); --rows, --files and --jdbc-partitions "
          + "positive");
    }
    return new BenchOptions(data, rows, files, formats, fraction, seed, warmups, repetitions, pushdownRepetitions,
        jdbcPartitions, benchmarks);
  }
}

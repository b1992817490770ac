package dev.kiln.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The command line of {@link PeerComparisonBenchmark}. Defaults are the sizes the issue asks for; smaller
 * {@code --sizes} make a quick check of the program itself, not a measurement.
 *
 * @param data flights-3m.parquet; empty: the benchmark fetches it with {@code bin/fetch-vega-datasets}
 * @param cache where each size's engineered train/test rows are kept (Parquet for Kiln, CSV for scikit-learn)
 * @param sizes rows of each measured table, ascending: a seeded hash subset of flights-3m below its size, the table
 *     replicated above it
 * @param models which pairs to run, {@link PeerModel#key()}s
 * @param warmupRows rows of the table every pair is fitted on once by each tool, unrecorded, before the measured fits
 *     (the first fits in a JVM load classes and compile code); 0: none
 * @param cores N of Spark's {@code local[N]}, and scikit-learn's threads
 * @param runs fits of each tool per size and model
 * @param seed the seed of the hash that picks a size's rows
 * @param python the interpreter with scikit-learn (Debian's python3-sklearn)
 */
record PeerComparisonOptions(Optional<Path> data, Path cache, List<Long> sizes, List<PeerModel> models,
    long warmupRows, int cores, int runs, long seed, String python) {

  static final List<Long> DEFAULT_SIZES = List.of(1_000_000L, 3_000_000L, 10_000_000L, 30_000_000L);

  static final String USAGE = """
      usage: bench/run-peer-comparison [options]
        --data FILE         flights-3m.parquet (default: fetched by bin/fetch-vega-datasets into data/vega-datasets)
        --cache DIR         engineered train/test rows per size (default bench/target/peer-data)
        --sizes LIST        rows per table, comma-separated (default 1000000,3000000,10000000,30000000)
        --models LIST       logistic,xgboost,xgboost-regression,lightgbm,lightgbm-regression (default all five)
        --warmup-rows N     rows of the table each pair is fitted on once by each tool, unrecorded, first
                            (default 100000; 0: none)
        --cores N           Spark runs in local[N], scikit-learn with N threads (default 2)
        --runs N            fits of each tool per size and model; medians need 3 or more (default 1)
        --seed N            seed of the hash that picks each size's rows (default 42)
        --python PATH       the Python with scikit-learn (default /usr/bin/python3)""";

  /** {@code --help}: the usage on stdout, exit 0. */
  static final class HelpRequested extends IllegalArgumentException {
    HelpRequested() {
      super("");
    }
  }

  static PeerComparisonOptions parse(String... args) {
    Optional<Path> data = Optional.empty();
    Path cache = Path.of("bench", "target", "peer-data");
    List<Long> sizes = DEFAULT_SIZES;
    List<PeerModel> models = List.of(PeerModel.values());
    long warmupRows = 100_000;
    int cores = 2;
    int runs = 1;
    long seed = 42;
    String python = "/usr/bin/python3";
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("-h") || flag.equals("--help")) {
        throw new HelpRequested();
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      try {
        switch (flag) {
          case "--data" -> data = Optional.of(Path.of(value));
          case "--cache" -> cache = Path.of(value);
          case "--sizes" -> sizes = Arrays.stream(value.split(",")).map(s -> Long.parseLong(s.strip()
              .replace("_", ""))).sorted().distinct().toList();
          case "--models" -> models = models(value);
          case "--warmup-rows" -> warmupRows = Long.parseLong(value.replace("_", ""));
          case "--cores" -> cores = Integer.parseInt(value);
          case "--runs" -> runs = Integer.parseInt(value);
          case "--seed" -> seed = Long.parseLong(value);
          case "--python" -> python = value;
          default -> throw new IllegalArgumentException("unknown option " + flag);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(flag + " takes numbers, not " + value);
      }
    }
    if (sizes.isEmpty() || sizes.get(0) < 10_000 || warmupRows != 0 && warmupRows < 10_000 || runs < 1
        || cores < 1) {
      throw new IllegalArgumentException("--sizes (and --warmup-rows unless 0) must be at least 10000 rows; --runs "
          + "and --cores positive");
    }
    return new PeerComparisonOptions(data, cache, sizes, models, warmupRows, cores, runs, seed, python);
  }

  private static List<PeerModel> models(String value) {
    List<PeerModel> chosen = new ArrayList<>();
    for (String key : value.split(",")) {
      PeerModel model = Arrays.stream(PeerModel.values()).filter(m -> m.key().equals(key.strip())).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("--models takes " + String.join(",",
              Arrays.stream(PeerModel.values()).map(PeerModel::key).toList()) + ", not " + key));
      if (!chosen.contains(model)) {
        chosen.add(model);
      }
    }
    return List.copyOf(chosen);
  }
}

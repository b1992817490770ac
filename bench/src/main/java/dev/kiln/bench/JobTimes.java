package dev.kiln.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.SparkSession;

/**
 * Where a run's time goes: every Spark job's duration, by the call site Spark names its result stage after (e.g.
 * {@code head at AnalysisRun.java:33}), from a listener open around the run. Jobs of one call site add up; jobs that
 * overlap (a broadcast during a query) are each counted, so the total can exceed the wall time.
 */
final class JobTimes implements AutoCloseable {

  /** The jobs of one call site: how many, and their summed duration. */
  record Site(String name, int jobs, double seconds) {}

  private final SparkSession spark;
  private final Map<Integer, Long> started = new ConcurrentHashMap<>();
  private final Map<Integer, String> names = new ConcurrentHashMap<>();
  private final List<String[]> finished = new ArrayList<>();
  private final SparkListener listener = new SparkListener() {
    @Override
    public void onJobStart(SparkListenerJobStart start) {
      String name = "?";
      int last = -1;
      for (StageInfo stage : scala.collection.JavaConverters.seqAsJavaListConverter(start.stageInfos()).asJava()) {
        if (stage.stageId() > last) {
          last = stage.stageId();
          name = stage.name();
        }
      }
      started.put(start.jobId(), start.time());
      names.put(start.jobId(), name);
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd end) {
      Long start = started.remove(end.jobId());
      if (start != null) {
        synchronized (finished) {
          finished.add(new String[] {names.remove(end.jobId()), Long.toString(end.time() - start)});
        }
      }
    }
  };

  private JobTimes(SparkSession spark) {
    this.spark = spark;
  }

  static JobTimes start(SparkSession spark) {
    JobTimes times = new JobTimes(spark);
    spark.sparkContext().addSparkListener(times.listener);
    return times;
  }

  /** Stops listening once the events of the jobs already run have arrived (the listener bus is asynchronous). */
  @Override
  public void close() {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!started.isEmpty() && System.currentTimeMillis() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    spark.sparkContext().removeSparkListener(listener);
  }

  /** The call sites, most time first. */
  List<Site> sites() {
    Map<String, double[]> bySite = new LinkedHashMap<>();
    synchronized (finished) {
      for (String[] job : finished) {
        double[] sum = bySite.computeIfAbsent(job[0], k -> new double[2]);
        sum[0]++;
        sum[1] += Long.parseLong(job[1]) / 1000.0;
      }
    }
    return bySite.entrySet().stream().map(e -> new Site(e.getKey(), (int) e.getValue()[0], e.getValue()[1]))
        .sorted((a, b) -> Double.compare(b.seconds(), a.seconds())).toList();
  }

  int jobs() {
    return sites().stream().mapToInt(Site::jobs).sum();
  }

  /** The {@code top} call sites, as one line. */
  String summary(int top) {
    List<Site> sites = sites();
    String shown = sites.stream().limit(top).map(s -> String.format(Locale.ROOT, "%s %.1f s (%d job%s)", s.name(),
        s.seconds(), s.jobs(), s.jobs() == 1 ? "" : "s")).collect(Collectors.joining("; "));
    double rest = sites.stream().skip(top).mapToDouble(Site::seconds).sum();
    int restJobs = sites.stream().skip(top).mapToInt(Site::jobs).sum();
    return sites.size() <= top ? shown : shown + String.format(Locale.ROOT, "; %d other call sites %.1f s (%d jobs)",
        sites.size() - top, rest, restJobs);
  }
}

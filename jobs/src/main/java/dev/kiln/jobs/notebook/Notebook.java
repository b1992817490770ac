package dev.kiln.jobs.notebook;

import dev.kiln.config.ConfigLayers;
import dev.kiln.config.PipelineConfig;
import dev.kiln.jobs.SessionFactory;
import dev.kiln.pipeline.Preflight;
import dev.kiln.pipeline.TrainingLoop;
import dev.kiln.registry.DeltaRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * What a notebook needs to drive Kiln's API from the Java kernel ({@code notebooks/install-kernel}): the local session
 * the CLI would open, pipeline configs written inline over {@code defaults.conf} and checked as {@code kiln run} checks
 * them, progress printed as the steps finish, and HTML reports framed for a cell's output.
 *
 * <p>Notebooks write under {@link #warehouse()}, never into the main job's warehouse, so exploring cannot disturb a
 * registry that something is served from.
 */
public final class Notebook {

  /** Where notebooks keep their tables and registry, if set; the test suite points it at a temporary directory. */
  public static final String WAREHOUSE_ENV = "KILN_NOTEBOOK_WAREHOUSE";

  private Notebook() {}

  /**
   * The notebooks' warehouse: {@code $KILN_NOTEBOOK_WAREHOUSE}, else {@code warehouse/notebooks} of the checkout
   * (the kernel starts in the notebook's directory, {@code notebooks/}).
   */
  public static String warehouse() {
    String configured = System.getenv(WAREHOUSE_ENV);
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured).toAbsolutePath().normalize().toString();
    }
    return Path.of("..", "warehouse", "notebooks").toAbsolutePath().normalize().toString();
  }

  /**
   * The session the CLI opens in local mode — Delta enabled, no web UI, bound to loopback — on every core, or on
   * {@code -Dspark.master} when the kernel was started with one. Returns the running session if there is one.
   */
  public static SparkSession spark() {
    SparkSession spark = SessionFactory.standard().open("kiln-notebook",
        Optional.of(System.getProperty("spark.master", "local[*]")), 4, Map.of());
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }

  /**
   * A pipeline config from HOCON text layered over Kiln's defaults (and {@code KILN_CONF_*} variables), with
   * {@code warehouse} defaulting to {@link #warehouse()}; checked as {@code kiln run} checks a pipeline file.
   *
   * @throws dev.kiln.errors.InvalidConfigException naming every problem, by key
   */
  public static PipelineConfig pipeline(SparkSession spark, String hocon) {
    String text = "warehouse = \"" + warehouse().replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n" + hocon;
    return Preflight.check(ConfigLayers.loadRecorded(text, "notebook cell", System.getenv(), List.of()),
        spark.sparkContext().hadoopConfiguration());
  }

  /** The registry the pipeline's models go to ({@code registry.root}). */
  public static DeltaRegistry registry(SparkSession spark, PipelineConfig config) {
    return new DeltaRegistry(spark, config.registry().root());
  }

  /** Prints each finished step of a training loop, as {@code kiln run} does. */
  public static TrainingLoop.Progress progress() {
    return (step, detail) -> System.out.printf(Locale.ROOT, "  %-9s %s%n", step, detail);
  }

  /**
   * A whole HTML page (Kiln's profile and evaluation reports) as an {@code iframe} for a cell's output: the page keeps
   * its own styles and scripts and leaves the notebook's alone.
   */
  public static String framed(String page, int heightPixels) {
    String escaped = page.replace("&", "&amp;").replace("\"", "&quot;");
    return "<iframe srcdoc=\"" + escaped + "\" style=\"width:100%;height:" + heightPixels
        + "px;border:1px solid #ddd\"></iframe>";
  }
}

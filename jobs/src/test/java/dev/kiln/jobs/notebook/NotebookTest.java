package dev.kiln.jobs.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.config.PipelineConfig;
import dev.kiln.errors.InvalidConfigException;
import dev.kiln.testing.SharedSpark;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The notebook helper; the notebooks themselves run in notebooks' NotebooksTest. */
class NotebookTest {

  @Test
  void aPipelineWrittenInlineIsLayeredOverTheDefaultsAndWritesUnderTheNotebookWarehouse() {
    PipelineConfig config = Notebook.pipeline(SharedSpark.session(), """
        pipeline.name = churn-notebook
        source { format = generated, generated { rows = 1000, seed = 7 } }
        features { label = churned, numeric = [tenure_months], categorical = [contract] }
        """);
    assertEquals("churn-notebook", config.name());
    // The parser qualifies a local warehouse as a file: URI.
    assertEquals("file:" + Notebook.warehouse(), config.warehouse());
    assertEquals("file:" + Notebook.warehouse() + "/registry", config.registry().root());
    // Everything not written comes from conf/defaults.conf.
    assertEquals(0.2, config.evaluation().testFraction());
  }

  @Test
  void theNotebookWarehouseIsTheCheckoutsUnlessTheEnvironmentSaysOtherwise() {
    String expected = System.getenv(Notebook.WAREHOUSE_ENV) != null
        ? Path.of(System.getenv(Notebook.WAREHOUSE_ENV)).toAbsolutePath().normalize().toString()
        : Path.of("..", "warehouse", "notebooks").toAbsolutePath().normalize().toString();
    assertEquals(expected, Notebook.warehouse());
  }

  @Test
  void aBadInlineConfigNamesEveryProblemByKey() {
    InvalidConfigException e = assertThrows(InvalidConfigException.class, () ->
        Notebook.pipeline(SharedSpark.session(), """
            pipeline.name = churn-notebook
            source { format = generated }
            features { label = churned, numeric = [tenure_months] }
            model.algorithm = gradient-magic
            evaluation.test-fraction = 2
            """));
    assertEquals(2, e.problems().size(), e.getMessage());
    assertTrue(e.getMessage().contains("model.algorithm"), e.getMessage());
    assertTrue(e.getMessage().contains("evaluation.test-fraction"), e.getMessage());
    assertTrue(e.getMessage().contains("notebook cell"), "the origin is the cell: " + e.getMessage());
  }

  @Test
  void aReportIsFramedWithItsQuotesEscaped() {
    String framed = Notebook.framed("<html lang=\"en\"><body>R&amp;D</body></html>", 300);
    assertTrue(framed.startsWith("<iframe srcdoc=\"<html lang=&quot;en&quot;><body>R&amp;amp;D</body></html>\""),
        framed);
    assertTrue(framed.contains("height:300px"), framed);
  }
}

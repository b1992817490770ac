package dev.kiln.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionFactoryTest {

  @Test
  void aLocalSessionRebuildsDeltaStateInAsManyTasksAsItHasCores() {
    assertEquals("3", SessionFactory.localDefaults("local[3]").get(SessionFactory.DELTA_SNAPSHOT_PARTITIONS));
    assertEquals("2", SessionFactory.localDefaults("local[2,4]").get(SessionFactory.DELTA_SNAPSHOT_PARTITIONS));
    assertEquals("1", SessionFactory.localDefaults("local").get(SessionFactory.DELTA_SNAPSHOT_PARTITIONS));
    assertEquals(String.valueOf(Runtime.getRuntime().availableProcessors()),
        SessionFactory.localDefaults("local[*]").get(SessionFactory.DELTA_SNAPSHOT_PARTITIONS));
    Map<String, String> local = SessionFactory.localDefaults("local[2]");
    assertEquals("127.0.0.1", local.get("spark.driver.host"));
    assertEquals("false", local.get("spark.ui.enabled"));
  }

  @Test
  void aClusterMasterGetsNoneOfTheLocalDefaults() {
    assertTrue(SessionFactory.localDefaults("spark://127.0.0.1:7077").isEmpty());
    assertTrue(SessionFactory.localDefaults("yarn").isEmpty());
    assertTrue(SessionFactory.localDefaults("k8s://https://10.0.0.1:443").isEmpty());
  }
}

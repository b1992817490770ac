package dev.kiln.jobs;

import dev.kiln.testing.TestStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class that runs on both remote stores: {@link RemoteStorages} is started once for the class and stopped
 * after it; {@code @MethodSource("storages")} gives each parameterized test S3, then HDFS.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OnRemoteStorages {

  /** The class's work directory: the servers' files and the test's own. */
  protected Path dir;
  protected RemoteStorages remote;

  @BeforeAll
  void startStorages(@TempDir Path dir) {
    this.dir = dir;
    remote = RemoteStorages.start(dir);
  }

  @AfterAll
  void stopStorages() throws IOException {
    if (remote != null) {
      remote.close();
    }
  }

  Stream<TestStorage> storages() {
    return remote.list().stream();
  }
}

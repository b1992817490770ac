package dev.kiln.monitor;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * Local disk under the scheme {@code gated:}, whose file creation a test can hold (a slow store) or fail (a broken
 * one). One test at a time: the controls are static.
 */
public final class GatedFileSystem extends RawLocalFileSystem {

  static volatile CountDownLatch gate = new CountDownLatch(0);
  static volatile boolean failCreates;

  /** A Hadoop configuration that maps {@code gated:} to this class, one instance per log. */
  static Configuration conf() {
    Configuration conf = new Configuration();
    conf.set("fs.gated.impl", GatedFileSystem.class.getName());
    conf.setBoolean("fs.gated.impl.disable.cache", true);
    return conf;
  }

  static void reset() {
    gate.countDown();
    gate = new CountDownLatch(0);
    failCreates = false;
  }

  @Override
  public URI getUri() {
    return URI.create("gated:///");
  }

  @Override
  public String getScheme() {
    return "gated";
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    pass();
    return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
      Progressable progress) throws IOException {
    pass();
    return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
  }

  private static void pass() throws IOException {
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (failCreates) {
      throw new IOException("simulated storage failure");
    }
  }
}

package dev.kiln.jobs;

import dev.kiln.testing.SharedSpark;
import dev.kiln.testing.TestStorage;
import dev.kiln.testing.hdfs.HdfsMiniCluster;
import dev.kiln.testing.s3.S3ProxyServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;

/**
 * The two remote stores Kiln supports, started for one test class: an S3 server (s3proxy) and HDFS (a
 * MiniDFSCluster), each in its own JVM on 127.0.0.1. Their settings are given to the JVM's shared session (they do
 * not overlap: {@code fs.s3a.*} and {@code dfs/ipc.*}), as the CLI's session factory would. {@link #close} drops the
 * shared session's cached clients of both, then stops them.
 */
final class RemoteStorages implements AutoCloseable {

  private final S3ProxyServer s3;
  private final HdfsMiniCluster hdfs;
  private final List<TestStorage> storages;

  private RemoteStorages(S3ProxyServer s3, HdfsMiniCluster hdfs) {
    this.s3 = s3;
    this.hdfs = hdfs;
    this.storages = List.of(TestStorage.s3(s3), TestStorage.hdfs(hdfs));
  }

  static RemoteStorages start(Path dir) {
    S3ProxyServer s3 = S3ProxyServer.start(dir.resolve("s3"));
    HdfsMiniCluster hdfs;
    try {
      hdfs = HdfsMiniCluster.start(dir.resolve("hdfs"));
    } catch (RuntimeException e) {
      s3.close();
      throw e;
    }
    RemoteStorages started = new RemoteStorages(s3, hdfs);
    Map<String, String> conf = new LinkedHashMap<>();
    started.storages.forEach(storage -> conf.putAll(storage.sparkConf()));
    new SharedSessionFactory().open("remote-storages", Optional.empty(), 2, conf);
    return started;
  }

  /** S3 first, then HDFS. */
  List<TestStorage> list() {
    return storages;
  }

  S3ProxyServer s3() {
    return s3;
  }

  @Override
  public void close() throws IOException {
    try {
      for (String uri : List.of(s3.uri(""), hdfs.uri())) {
        // The shared session outlives the class: drop its cached client (thread pools, lease renewer) of the server.
        FileSystem.get(URI.create(uri), SharedSpark.session().sparkContext().hadoopConfiguration()).close();
      }
    } finally {
      try {
        s3.close();
      } finally {
        hdfs.close();
      }
    }
  }
}

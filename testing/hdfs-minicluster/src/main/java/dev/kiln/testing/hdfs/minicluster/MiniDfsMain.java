package dev.kiln.testing.hdfs.minicluster;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.DFSConfigKeys;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.server.datanode.DataNode;

/**
 * Runs Hadoop's {@link MiniDFSCluster} (one namenode, one datanode) until its standard input ends. Started by
 * {@code dev.kiln.testing.hdfs.HdfsMiniCluster} (jobs test sources) as its own JVM, so that the unshaded Hadoop server
 * jars never share a classpath with Spark's shaded Hadoop client.
 *
 * <p>Usage: {@code MiniDfsMain BASE_DIR}. Every server socket (namenode RPC and HTTP, datanode transfer, IPC and
 * HTTP) is bound to 127.0.0.1 on a port the operating system picks, so there is no port race. Once the namenode is
 * out of safe mode and the datanode has registered, it prints, on standard output:
 *
 * <pre>
 * DATANODE 127.0.0.1:&lt;transfer port&gt;
 * READY hdfs://127.0.0.1:&lt;namenode port&gt;
 * </pre>
 *
 * <p>It shuts the cluster down and exits 0 when standard input reaches end of file: when the parent closes the pipe,
 * or when the parent dies, however it dies. A start-up failure prints the stack trace and exits 1.
 */
public final class MiniDfsMain {

  private static final String HOST = "127.0.0.1";

  private MiniDfsMain() {}

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: MiniDfsMain BASE_DIR");
      System.exit(2);
    }
    File base = new File(args[0]).getAbsoluteFile();
    MiniDFSCluster cluster;
    try {
      cluster = start(base);
    } catch (Throwable e) {
      System.out.flush();
      e.printStackTrace();
      System.err.flush();
      Runtime.getRuntime().halt(1);
      return;
    }
    awaitEndOfInput(System.in);
    try {
      cluster.shutdown(true);
    } finally {
      System.out.println("STOPPED");
      System.out.flush();
      // Hadoop leaves non-daemon threads behind (metrics, IPC): do not wait for them.
      Runtime.getRuntime().halt(0);
    }
  }

  static MiniDFSCluster start(File base) throws IOException {
    Configuration conf = new HdfsConfiguration();
    conf.set("hadoop.tmp.dir", new File(base, "tmp").getPath());
    conf.setInt(DFSConfigKeys.DFS_REPLICATION_KEY, 1);
    // MiniDFSCluster binds the datanode to 127.0.0.1:0 itself (checkDataNodeAddrConfig is false); these say so too,
    // and keep the namenode's HTTP server and the datanode's hostname on loopback as well.
    conf.set(DFSConfigKeys.DFS_NAMENODE_HTTP_ADDRESS_KEY, HOST + ":0");
    conf.set(DFSConfigKeys.DFS_DATANODE_ADDRESS_KEY, HOST + ":0");
    conf.set(DFSConfigKeys.DFS_DATANODE_IPC_ADDRESS_KEY, HOST + ":0");
    conf.set(DFSConfigKeys.DFS_DATANODE_HTTP_ADDRESS_KEY, HOST + ":0");
    conf.set(DFSConfigKeys.DFS_DATANODE_HOST_NAME_KEY, HOST);
    // A test cluster: no fsync per block, a short heartbeat so the datanode registers quickly.
    conf.setLong(DFSConfigKeys.DFS_HEARTBEAT_INTERVAL_KEY, 1);
    // The builder sets hdfs.minidfs.basedir (and refuses a conf that already has it).
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, base)
        .nameNodePort(0)
        .nameNodeHttpPort(0)
        .numDataNodes(1)
        .format(true)
        .skipFsyncForTesting(true)
        .build();
    try {
      cluster.waitClusterUp();
      cluster.waitActive();
      List<DataNode> dataNodes = cluster.getDataNodes();
      for (DataNode dataNode : dataNodes) {
        InetSocketAddress transfer = dataNode.getXferAddress();
        System.out.println("DATANODE " + transfer.getAddress().getHostAddress() + ":" + transfer.getPort());
      }
      System.out.println("READY hdfs://" + HOST + ":" + cluster.getNameNodePort());
      System.out.flush();
      return cluster;
    } catch (IOException | RuntimeException e) {
      cluster.shutdown(true);
      throw e;
    }
  }

  private static void awaitEndOfInput(InputStream in) {
    byte[] buffer = new byte[256];
    try {
      while (in.read(buffer) >= 0) {
        // Nothing is expected on stdin; only its end matters.
      }
    } catch (IOException e) {
      // A broken pipe is an end too.
    }
  }
}

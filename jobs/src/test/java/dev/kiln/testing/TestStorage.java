package dev.kiln.testing;

import dev.kiln.config.PipelineConfigParser;
import dev.kiln.testing.hdfs.HdfsMiniCluster;
import dev.kiln.testing.s3.S3ProxyServer;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A Hadoop file system a test writes to, as a pipeline sees it: where ({@link #uri}), the {@code spark.hadoop.*}
 * settings that reach it, and its secrets, which a pipeline file or {@code --conf} names only as
 * {@code ${VARIABLE}} substitutions answered by {@link #environment()} (the map given to {@code KilnCli.run}).
 *
 * @param name shown in test names
 * @param base the URI paths are resolved against, without a trailing slash
 * @param sparkConf every setting, secrets included (for the test's own session)
 * @param secretVariables setting key to the environment variable that supplies it
 * @param environment environment variable to value
 */
public record TestStorage(String name, String base, Map<String, String> sparkConf,
    Map<String, String> secretVariables, Map<String, String> environment) {

  /** The bucket of an s3proxy server; the secret key comes from {@code KILN_TEST_S3_SECRET}. */
  public static TestStorage s3(S3ProxyServer s3) {
    String secretKey = "spark.hadoop.fs.s3a.secret.key";
    String variable = "KILN_TEST_S3_SECRET";
    return new TestStorage("s3", "s3a://" + s3.bucket(), s3.sparkConf(), Map.of(secretKey, variable),
        Map.of(variable, s3.secretKey()));
  }

  /** A MiniDFSCluster; it has no secrets. */
  public static TestStorage hdfs(HdfsMiniCluster hdfs) {
    return new TestStorage("hdfs", hdfs.uri(), hdfs.sparkConf(), Map.of(), Map.of());
  }

  /** {@code <base>/<path>}. */
  public String uri(String path) {
    return base + "/" + (path.startsWith("/") ? path.substring(1) : path);
  }

  /** A HOCON {@code spark.conf { … }} block: every setting written out but the secrets, which are substitutions. */
  public String confBlock() {
    StringBuilder text = new StringBuilder("spark.conf {\n");
    sparkConf.forEach((key, value) -> text.append("  \"").append(key).append("\" = ")
        .append(secretVariables.containsKey(key) ? "${" + secretVariables.get(key) + "}" : "\"" + value + "\"")
        .append('\n'));
    return text.append("}\n").toString();
  }

  /**
   * The CLI arguments that give back every setting Kiln redacts when it records a config (secret-looking keys: see
   * {@link PipelineConfigParser#isSecretKey}), for a command that reads a recorded config such as {@code reproduce}:
   * one {@code --conf spark.conf={"KEY" = "value", "SECRET" = ${VARIABLE}, …}}. It is an object, so the substitutions
   * are resolved against {@link #environment()} and no secret is ever on the command line. Empty when nothing is
   * redacted.
   */
  public List<String> redactedOverrides() {
    String entries = sparkConf.entrySet().stream()
        .filter(e -> PipelineConfigParser.isSecretKey(e.getKey()))
        .map(e -> "\"" + e.getKey() + "\" = " + (secretVariables.containsKey(e.getKey())
            ? "${" + secretVariables.get(e.getKey()) + "}" : "\"" + e.getValue() + "\""))
        .collect(Collectors.joining(", "));
    return entries.isEmpty() ? List.of() : List.of("--conf", "spark.conf={" + entries + "}");
  }

  @Override
  public String toString() {
    return name;
  }
}

package dev.kiln.source;


import dev.kiln.errors.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.catalyst.expressions.XXH64;

/**
 * Block sampling over files: the {@code ceil(fraction × n)} files whose seeded hash of their path relative to the
 * table root is smallest. Relative, so a table copied elsewhere yields the same choice; a count rather than a coin per
 * file, so a small table still yields at least one file and the applied fraction is known exactly.
 */
public final class FileBlocks {

  private FileBlocks() {}

  /** The chosen files, in a stable order. */
  public static List<String> choose(List<String> files, String root, double fraction, long seed) {
    if (files.isEmpty()) {
      return List.of();
    }
    int k = (int) Math.min(files.size(), Math.max(1, Math.ceil(fraction * files.size() - 1e-9)));
    String prefix = root.endsWith("/") ? root : root + "/";
    return files.stream()
        .sorted(Comparator.comparingLong((String f) -> rank(relative(f, prefix), seed)).thenComparing(f -> f))
        .limit(k)
        .sorted()
        .toList();
  }

  /** The share of files {@link #choose} keeps. */
  public static double appliedFraction(int chosen, int total) {
    return total == 0 ? 1.0 : (double) chosen / total;
  }

  public static String describe(int chosen, int total, long seed) {
    return String.format(Locale.ROOT, "%,d of %,d files chosen by a seeded hash of their names (seed %d)", chosen,
        total, seed);
  }

  /** Data files under {@code uri} (or {@code uri} itself), skipping bookkeeping files such as _SUCCESS and .crc. */
  public static List<String> dataFiles(Configuration hadoopConf, String uri) {
    try {
      Path root = new Path(uri);
      FileSystem fs = root.getFileSystem(hadoopConf);
      if (fs.getFileStatus(root).isFile()) {
        return List.of(fs.makeQualified(root).toString());
      }
      String rootText = fs.makeQualified(root).toString();
      List<String> files = new ArrayList<>();
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
      while (it.hasNext()) {
        String file = it.next().getPath().toString();
        String rel = relative(file, rootText.endsWith("/") ? rootText : rootText + "/");
        boolean hidden = false;
        for (String part : rel.split("/")) {
          hidden |= part.startsWith("_") || part.startsWith(".");
        }
        if (!hidden) {
          files.add(file);
        }
      }
      files.sort(null);
      return files;
    } catch (IOException e) {
      throw new InvalidInputException("cannot list the files of " + uri + ": " + e.getMessage(), e);
    }
  }

  private static String relative(String file, String prefix) {
    return file.startsWith(prefix) ? file.substring(prefix.length()) : new Path(file).getName();
  }

  private static long rank(String relativePath, long seed) {
    byte[] bytes = relativePath.getBytes(StandardCharsets.UTF_8);
    return XXH64.hashUnsafeBytes(bytes, org.apache.spark.unsafe.Platform.BYTE_ARRAY_OFFSET, bytes.length, seed);
  }
}

package dev.kiln.report;

import dev.kiln.errors.JobFailedException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * Writes a report so that a reader sees the previous file or the new one, never half of one. On local disk: a hidden
 * temporary file beside it, then an atomic move over it (plain file I/O: Hadoop's local file system would add a
 * checksum file). On a distributed file system (HDFS): a hidden temporary file, then a rename that replaces the
 * target in one step. On an object store ({@code s3a:}, {@code gs:}), whose rename is a copy: one upload, which the
 * store makes visible whole when it completes.
 */
public final class ReportFile {

  private static final Set<String> OBJECT_STORES = Set.of("s3a", "s3", "s3n", "gs");

  private ReportFile() {}

  /**
   * @param location a qualified Hadoop path ({@code file:/...}, {@code hdfs://...}, {@code s3a://...})
   * @throws JobFailedException if it cannot be written
   */
  public static void write(String location, String text, Configuration hadoopConf) {
    write(location, text, hadoopConf, "the report");
  }

  /**
   * As {@link #write(String, String, Configuration)}, for any text file.
   *
   * @param what names the file in the failure's message, e.g. {@code the drift baseline}
   */
  public static void write(String location, String text, Configuration hadoopConf, String what) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    Path path = new Path(location);
    String scheme = path.toUri().getScheme() == null ? "file" : path.toUri().getScheme().toLowerCase(Locale.ROOT);
    try {
      if ("file".equals(scheme)) {
        java.nio.file.Path local = java.nio.file.Path.of(path.toUri().getScheme() == null
            ? new java.io.File(location).toURI() : path.toUri());
        Files.createDirectories(local.getParent());
        // Not Files.createTempFile: its file is private to the owner; the report gets the usual permissions.
        java.nio.file.Path staging = local.resolveSibling("." + local.getFileName() + ".kiln-" + UUID.randomUUID());
        try {
          Files.write(staging, bytes, java.nio.file.StandardOpenOption.CREATE_NEW);
          Files.move(staging, local, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(staging);
        }
      } else if (OBJECT_STORES.contains(scheme)) {
        FileSystem fs = path.getFileSystem(hadoopConf);
        try (OutputStream out = fs.create(path, true)) {
          out.write(bytes);
        }
      } else {
        FileSystem fs = path.getFileSystem(hadoopConf);
        Path staging = new Path(path.getParent(), "." + path.getName() + ".kiln-" + UUID.randomUUID());
        try (OutputStream out = fs.create(staging, false)) {
          out.write(bytes);
        }
        try {
          FileContext.getFileContext(path.toUri(), hadoopConf).rename(staging, path, Options.Rename.OVERWRITE);
        } finally {
          if (fs.exists(staging)) {
            fs.delete(staging, false);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new JobFailedException("could not write " + what + " to " + location + ": " + e.getMessage(), e);
    }
  }
}

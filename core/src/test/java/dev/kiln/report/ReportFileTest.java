package dev.kiln.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.errors.JobFailedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportFileTest {

  @TempDir
  Path dir;

  @Test
  void onLocalDiskAReportReplacesTheOldOneWholeAndLeavesNothingBeside() throws IOException {
    Path report = dir.resolve("reports/nested/evaluation-churn-v1.html");
    ReportFile.write("file:" + report, "<p>first</p>", new Configuration());
    ReportFile.write("file:" + report, "<p>second</p>", new Configuration());
    assertEquals("<p>second</p>", Files.readString(report));
    try (var listing = Files.list(report.getParent())) {
      assertEquals(List.of(report), listing.toList(), "no temporary or checksum file beside it");
    }
    assertTrue(Files.getPosixFilePermissions(report).contains(PosixFilePermission.OTHERS_READ)
        || !Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_READ),
        "readable as any file the user writes");
  }

  @Test
  void aPlaceThatCannotBeWrittenIsAJobFailureNamingIt() throws IOException {
    Path file = dir.resolve("a-file");
    Files.writeString(file, "x");
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> ReportFile.write("file:" + file + "/report.html", "<p/>", new Configuration()));
    assertTrue(e.getMessage().startsWith("could not write the report to file:" + file + "/report.html"),
        e.getMessage());
  }
}

package dev.kiln.monitor;

import dev.kiln.config.HadoopPaths;
import dev.kiln.errors.InvalidInputException;
import dev.kiln.registry.ModelRef;
import dev.kiln.score.ModelSignature;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.StreamCapabilities;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PredictionLog} of one model version that writes Avro object container files to any Hadoop file system
 * ({@code file:}, {@code hdfs:}, {@code s3a:}, ...), laid out for {@link PredictionIngest}:
 *
 * <pre>{@code <root>/<model>/version=<n>/date=<yyyy-MM-dd>/part-<yyyyMMdd'T'HHmmss'Z'>-<uuid>.avro}</pre>
 *
 * <p>The date is the records' UTC date: every record of a file has the file's date. The schema is
 * {@link PredictionSchema}'s, derived from the signature, and each file's header also carries {@code kiln.model} and
 * {@code kiln.model_version}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Append never touches storage.</b> {@link #append} encodes the record in the calling thread (a few
 *       microseconds) and puts the bytes on an in-memory queue; one background thread per log writes them.</li>
 *   <li><b>Bounded memory: when full, records are dropped, not waited for.</b> The queue holds at most
 *       {@link Settings#maxBufferedBytes()} of encoded records. An append that would exceed it is dropped and counted
 *       in {@link #dropped()} (with a warning on the 1st, 10th, 100th, ... drop), so a slow or unreachable store
 *       costs log records, never request latency. Appends after {@link #close} are dropped and counted too.</li>
 *   <li><b>Rolling.</b> A file is completed once its size reaches {@link Settings#maxFileBytes()} (it may exceed it by
 *       one Avro block, at most 64 KiB before compression), once it has been open for {@link Settings#maxFileAge()}
 *       (even if no record arrives), when the UTC date of the records changes, and on {@link #flush} and
 *       {@link #close}. No file is ever empty.</li>
 *   <li><b>A file is visible only complete.</b> On file systems with an atomic rename (local disk, HDFS) it is
 *       written under a hidden name, {@code _<name>.inprogress} in the same directory, and renamed when complete;
 *       on object stores ({@code s3a:}, {@code s3:}, {@code s3n:}, {@code gs:}) an object becomes visible only when
 *       its upload completes, so it is written under its final name directly. Readers skip names starting with
 *       {@code _} or {@code .}; a process killed mid-file leaves at most such a hidden file (or an incomplete
 *       multipart upload, which the bucket's lifecycle rule should expire).</li>
 *   <li><b>Durability.</b> {@link #flush} and {@link #close} return once every record appended before them is in a
 *       complete, visible file, or after {@link Settings#flushTimeout()}. Each flush completes the current file: call
 *       it rarely (never per request), and {@link #close} at shutdown, e.g. from a shutdown hook (the writer thread
 *       is a daemon and does not keep the JVM alive).</li>
 *   <li><b>Failures never reach the caller.</b> A record that does not fit the schema is counted in
 *       {@link #rejected()} and logged naming the field, never the value; records lost because storage failed are
 *       counted in {@link #failed()} and logged with the file's path. Neither throws from {@link #append}.</li>
 *   <li>Thread-safe: any number of threads may append, flush and close concurrently.</li>
 * </ul>
 */
public final class AvroPredictionLog implements PredictionLog {

  private static final Logger LOG = LoggerFactory.getLogger(AvroPredictionLog.class);
  /** Object stores: no atomic rename, but an object appears only when its upload completes. */
  private static final Set<String> OBJECT_STORES = Set.of("s3a", "s3", "s3n", "gs");
  private static final DateTimeFormatter FILE_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final int MAX_SYNC_INTERVAL = 64 * 1024;

  /**
   * How a log buffers and rolls.
   *
   * @param maxFileBytes a file is completed once it holds this many bytes
   * @param maxFileAge a file is completed at the latest this long after it was opened
   * @param maxBufferedBytes encoded records waiting for the writer, at most; beyond it appends are dropped
   * @param flushTimeout how long {@link #flush} and {@link #close} wait for the writer at most
   * @param codec the Avro codec: {@code deflate}, {@code snappy}, {@code zstandard} or {@code null}
   */
  public record Settings(long maxFileBytes, Duration maxFileAge, long maxBufferedBytes, Duration flushTimeout,
      String codec) {

    public Settings {
      if (maxFileBytes < 1 || maxBufferedBytes < 1) {
        throw new IllegalArgumentException("maxFileBytes and maxBufferedBytes must be positive");
      }
      if (maxFileAge.isNegative() || maxFileAge.isZero() || flushTimeout.isNegative()) {
        throw new IllegalArgumentException("maxFileAge must be positive and flushTimeout not negative");
      }
      try {
        CodecFactory.fromString(codec);
      } catch (AvroRuntimeException e) {
        throw new IllegalArgumentException("unknown Avro codec '" + codec + "'", e);
      }
    }

    /** 128 MiB files, open at most 5 minutes, 64 MiB of buffer, 60 s to flush, deflate. */
    public static Settings defaults() {
      return new Settings(128L << 20, Duration.ofMinutes(5), 64L << 20, Duration.ofSeconds(60), "deflate");
    }

    public Settings withMaxFileBytes(long bytes) {
      return new Settings(bytes, maxFileAge, maxBufferedBytes, flushTimeout, codec);
    }

    public Settings withMaxFileAge(Duration age) {
      return new Settings(maxFileBytes, age, maxBufferedBytes, flushTimeout, codec);
    }

    public Settings withMaxBufferedBytes(long bytes) {
      return new Settings(maxFileBytes, maxFileAge, bytes, flushTimeout, codec);
    }

    public Settings withFlushTimeout(Duration timeout) {
      return new Settings(maxFileBytes, maxFileAge, maxBufferedBytes, timeout, codec);
    }

    public Settings withCodec(String name) {
      return new Settings(maxFileBytes, maxFileAge, maxBufferedBytes, flushTimeout, name);
    }
  }

  private final String model;
  private final long modelVersion;
  private final Path versionDir;
  private final FileSystem fs;
  private final boolean renameToPublish;
  private final Settings settings;
  private final PredictionSchema schema;

  private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
  private final AtomicLong bufferedBytes = new AtomicLong();
  /** Appends hold the read lock while they enqueue, close the write lock: nothing is enqueued after the last item. */
  private final ReadWriteLock closing = new ReentrantReadWriteLock();
  private boolean closed; // guarded by closing
  private final Thread writerThread;

  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong filesWritten = new AtomicLong();

  /** Writer-thread state: the file being written, if any. */
  private OpenFile current;

  /** A log with {@link Settings#defaults()}. */
  public AvroPredictionLog(String root, String model, long modelVersion, ModelSignature signature,
      Configuration hadoopConf) {
    this(root, model, modelVersion, signature, hadoopConf, Settings.defaults());
  }

  /**
   * Starts the log's writer thread; nothing is written until the first record arrives.
   *
   * @param root the log root, a local path or Hadoop URI ({@code s3a://bucket/predictions})
   * @param model the registered model's name
   * @param modelVersion the version every record of this log comes from
   * @param signature that version's signature: the inputs' fields and types
   * @param hadoopConf settings of the file system (e.g. {@code fs.s3a.*})
   * @throws InvalidInputException if the model name is not a safe path segment, two inputs would share an Avro
   *     name, or the root's file system cannot be opened
   */
  public AvroPredictionLog(String root, String model, long modelVersion, ModelSignature signature,
      Configuration hadoopConf, Settings settings) {
    ModelRef.validateName(model);
    this.model = model;
    this.modelVersion = modelVersion;
    this.settings = settings;
    this.schema = new PredictionSchema(signature);
    this.versionDir = new Path(versionDirectory(root, model, modelVersion));
    String scheme = versionDir.toUri().getScheme().toLowerCase(Locale.ROOT);
    try {
      FileSystem opened = versionDir.getFileSystem(hadoopConf);
      // Hadoop's local file system would write a .crc file beside every log file; the raw one does not.
      this.fs = opened instanceof LocalFileSystem local ? local.getRaw() : opened;
    } catch (IOException e) {
      throw new InvalidInputException("cannot open the prediction log's file system at " + versionDir + ": "
          + e.getMessage(), e);
    }
    this.renameToPublish = !OBJECT_STORES.contains(scheme);
    this.writerThread = new Thread(this::writeLoop, "kiln-prediction-log-" + model + "-v" + modelVersion);
    writerThread.setDaemon(true);
    writerThread.start();
  }

  /** {@code <root>/<model>/version=<n>}, qualified: where one version's log files live. */
  public static String versionDirectory(String root, String model, long modelVersion) {
    return HadoopPaths.child(HadoopPaths.child(HadoopPaths.qualify(root), model), "version=" + modelVersion);
  }

  /** Never blocks on storage and never throws: see the class contract for what is dropped or rejected. */
  @Override
  public void append(PredictionRecord record) {
    byte[] bytes;
    LocalDate date;
    try {
      if (!model.equals(record.model()) || modelVersion != record.modelVersion()) {
        throw new IllegalArgumentException("a record of " + record.model() + "@" + record.modelVersion()
            + " was appended to the log of " + model + "@" + modelVersion);
      }
      bytes = schema.encode(record);
      date = LocalDate.ofInstant(record.time(), ZoneOffset.UTC);
    } catch (RuntimeException e) {
      long count = rejected.incrementAndGet();
      if (powerOfTen(count)) {
        LOG.warn("prediction log {}@{}: record rejected ({} so far): {}", model, modelVersion, count, e.getMessage());
      }
      return;
    }
    String why;
    closing.readLock().lock();
    try {
      if (closed) {
        why = "the log is closed";
      } else if (bufferedBytes.addAndGet(bytes.length) > settings.maxBufferedBytes()) {
        bufferedBytes.addAndGet(-bytes.length);
        why = "the buffer of " + settings.maxBufferedBytes() + " bytes is full";
      } else {
        queue.add(new Encoded(bytes, date));
        return;
      }
    } finally {
      closing.readLock().unlock();
    }
    long count = dropped.incrementAndGet();
    if (powerOfTen(count)) {
      LOG.warn("prediction log {}@{}: record dropped ({} so far): {}", model, modelVersion, count, why);
    }
  }

  /** Completes the current file, so every record appended before this call is in a visible file. */
  @Override
  public void flush() {
    Barrier barrier = new Barrier(false);
    closing.readLock().lock();
    try {
      if (closed) {
        return; // close already wrote everything
      }
      queue.add(barrier);
    } finally {
      closing.readLock().unlock();
    }
    barrier.await(settings.flushTimeout(), "flush");
  }

  /** Writes every record appended before it, then stops the writer thread. Idempotent. */
  @Override
  public void close() {
    Barrier last = new Barrier(true);
    closing.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(last);
    } finally {
      closing.writeLock().unlock();
    }
    last.await(settings.flushTimeout(), "close");
  }

  /** Records not logged because the buffer was full or the log closed. */
  public long dropped() {
    return dropped.get();
  }

  /** Records not logged because they did not fit the schema (a wrong type, a missing prediction, another model). */
  public long rejected() {
    return rejected.get();
  }

  /** Records lost because storage failed while they were written. */
  public long failed() {
    return failed.get();
  }

  /** Records in complete, visible files. */
  public long written() {
    return written.get();
  }

  /** Complete files written. */
  public long filesWritten() {
    return filesWritten.get();
  }

  /** Encoded bytes waiting for the writer. */
  public long bufferedBytes() {
    return bufferedBytes.get();
  }

  // ------------------------------------------------------------------------------------------ the writer thread

  private sealed interface Item permits Encoded, Barrier {}

  private record Encoded(byte[] bytes, LocalDate date) implements Item {}

  /** Completes the current file when the writer reaches it; the last one also stops the writer. */
  private static final class Barrier implements Item {
    final boolean last;
    final CountDownLatch done = new CountDownLatch(1);

    Barrier(boolean last) {
      this.last = last;
    }

    void await(Duration timeout, String what) {
      try {
        if (!done.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
          LOG.warn("prediction log: {} gave up after {} s; the writer is still busy with storage", what,
              timeout.toSeconds());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void writeLoop() {
    while (true) {
      Item item;
      try {
        if (current == null) {
          item = queue.take();
        } else {
          long wait = current.deadline - System.nanoTime();
          item = wait <= 0 ? null : queue.poll(wait, TimeUnit.NANOSECONDS);
        }
      } catch (InterruptedException e) {
        LOG.warn("prediction log {}@{}: writer interrupted; completing the current file and stopping", model,
            modelVersion);
        complete();
        return;
      }
      try {
        if (item == null) {
          complete(); // open for maxFileAge
        } else if (item instanceof Encoded record) {
          bufferedBytes.addAndGet(-record.bytes().length);
          write(record);
        } else if (item instanceof Barrier barrier) {
          complete();
          barrier.done.countDown();
          if (barrier.last) {
            return;
          }
        }
      } catch (RuntimeException | Error e) {
        // Whatever goes wrong, the writer keeps serving later records.
        LOG.error("prediction log {}@{}: unexpected writer failure", model, modelVersion, e);
        abandon(e);
      }
    }
  }

  private void write(Encoded record) {
    if (current != null && !current.date.equals(record.date())) {
      complete();
    }
    if (current == null) {
      try {
        current = open(record.date());
      } catch (IOException e) {
        failed.incrementAndGet();
        LOG.warn("prediction log {}@{}: cannot create a file in {}: {}", model, modelVersion, versionDir,
            e.getMessage());
        return;
      }
    }
    try {
      current.writer.appendEncoded(ByteBuffer.wrap(record.bytes()));
      current.records++;
    } catch (IOException e) {
      failed.incrementAndGet(); // this record; abandon counts those already in the file
      abandon(e);
      return;
    }
    if (current.counter.count >= settings.maxFileBytes()) {
      complete();
    }
  }

  private OpenFile open(LocalDate date) throws IOException {
    Path dir = new Path(versionDir, "date=" + date);
    String name = "part-" + FILE_TIME.format(Instant.now()) + "-" + UUID.randomUUID() + ".avro";
    Path target = new Path(dir, name);
    Path staging = renameToPublish ? new Path(dir, "_" + name + ".inprogress") : null;
    FSDataOutputStream out = fs.create(staging != null ? staging : target, false);
    try {
      CountingStream counter = new CountingStream(out);
      DataFileWriter<Object> writer = new DataFileWriter<>(new GenericDatumWriter<>(schema.schema()));
      writer.setCodec(CodecFactory.fromString(settings.codec()));
      // Small files need small blocks, or the size would only be seen once a whole block is written.
      writer.setSyncInterval((int) Math.max(1024, Math.min(MAX_SYNC_INTERVAL, settings.maxFileBytes() / 8)));
      writer.setMeta("kiln.model", model);
      writer.setMeta("kiln.model_version", modelVersion);
      writer.create(schema.schema(), counter);
      return new OpenFile(date, target, staging, out, counter, writer,
          System.nanoTime() + settings.maxFileAge().toNanos());
    } catch (IOException | RuntimeException e) {
      discard(out, staging != null ? staging : target);
      throw e;
    }
  }

  /** Makes the current file complete and visible. */
  private void complete() {
    OpenFile file = current;
    if (file == null) {
      return;
    }
    current = null;
    try {
      file.writer.close(); // on an object store, this completes the upload
      if (file.staging != null && !fs.rename(file.staging, file.target)) {
        throw new IOException("cannot rename " + file.staging + " to " + file.target);
      }
      written.addAndGet(file.records);
      filesWritten.incrementAndGet();
    } catch (IOException | RuntimeException e) {
      failed.addAndGet(file.records);
      LOG.warn("prediction log {}@{}: lost {} records: cannot complete {}: {}", model, modelVersion, file.records,
          file.target, e.getMessage());
      if (file.staging != null) {
        deleteQuietly(file.staging);
      }
    }
  }

  /** Gives up the current file after a failure: its records are lost, and nothing half-written becomes visible. */
  private void abandon(Throwable cause) {
    OpenFile file = current;
    if (file == null) {
      return;
    }
    current = null;
    failed.addAndGet(file.records);
    LOG.warn("prediction log {}@{}: lost {} records: writing {} failed: {}", model, modelVersion, file.records,
        file.target, cause.getMessage());
    discard(file.out, file.staging != null ? file.staging : file.target);
  }

  /** Closes a stream without publishing it: an object-store upload is aborted, a staging file deleted. */
  private void discard(FSDataOutputStream out, Path path) {
    try {
      if (out.hasCapability(StreamCapabilities.ABORTABLE_STREAM)) {
        out.abort();
      } else {
        out.close();
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("closing {} after a failure", path, e);
    }
    if (renameToPublish) {
      deleteQuietly(path);
    }
  }

  private void deleteQuietly(Path path) {
    try {
      fs.delete(path, false);
    } catch (IOException e) {
      LOG.warn("prediction log: cannot delete the hidden file {}: {}", path, e.getMessage());
    }
  }

  private static boolean powerOfTen(long n) {
    while (n >= 10 && n % 10 == 0) {
      n /= 10;
    }
    return n == 1;
  }

  /** One file being written: only the writer thread touches it. */
  private static final class OpenFile {
    final LocalDate date;
    final Path target;
    final Path staging;
    final FSDataOutputStream out;
    final CountingStream counter;
    final DataFileWriter<Object> writer;
    final long deadline;
    long records;

    OpenFile(LocalDate date, Path target, Path staging, FSDataOutputStream out, CountingStream counter,
        DataFileWriter<Object> writer, long deadline) {
      this.date = date;
      this.target = target;
      this.staging = staging;
      this.out = out;
      this.counter = counter;
      this.writer = writer;
      this.deadline = deadline;
    }
  }

  /** Counts the bytes that reach the file (after compression), to roll by size. */
  private static final class CountingStream extends FilterOutputStream {
    long count;

    CountingStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}

package org.karavel.spool.internal;

import java.io.EOFException;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.mapdb.DBException;
import org.mapdb.DataInput2;
import org.mapdb.volume.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's store file as MapDB reads and writes it, on a FileChannel that no caller's interrupt can
 * take away. A FileChannel is interruptible: a thread interrupted during a read or write (a delivery
 * worker cut at {@code bin/stop}, an admin request, a shell command stopped with Ctrl-C) makes the JDK
 * close the channel for every thread, and MapDB's own FileChannelVol then fails every later read and
 * commit with {@code VolumeClosed}. Here a channel closed under us, while this volume is open, is
 * opened again (and locked again) and the operation retried with the caller's interrupt status set
 * aside and restored afterwards, so the caller still sees it. Positional reads and writes make a retry
 * harmless; fsync works on the file, not on the descriptor, so a sync after a reopen covers writes
 * made through the old channel.
 */
final class StoreFileVolume extends Volume {
    private static final Logger LOG = LoggerFactory.getLogger(StoreFileVolume.class);
    /** Reopening more often than this in one operation means something keeps closing it: give up. */
    private static final int MAX_REOPENS = 100;

    @FunctionalInterface
    private interface ChannelCall<T> {
        T call(FileChannel channel) throws IOException;
    }

    private final Path path;
    private final int sliceSize;
    private volatile FileChannel channel;
    private volatile FileLock lock;
    /** What the file was grown to, as far as this volume knows: saves a size call per growth check. */
    private volatile long size;

    private volatile long reopens;

    /**
     * Opens (creating it if needed) and locks {@code path}, waiting up to {@code lockWaitMillis} for a
     * lock that an instance still closing holds.
     */
    StoreFileVolume(Path path, int sliceSize, long lockWaitMillis, long initSize) throws IOException {
        this.path = path;
        this.sliceSize = sliceSize;
        this.channel = openChannel();
        try {
            this.lock = lock(channel, lockWaitMillis);
            this.size = channel.size();
            if (initSize > 0) {
                ensureAvailable(initSize);
            }
        } catch (IOException | RuntimeException ex) {
            channel.close();
            throw ex;
        }
    }

    private FileChannel openChannel() throws IOException {
        return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
    }

    private FileLock lock(FileChannel ch, long waitMillis) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (true) {
            try {
                FileLock l = ch.tryLock();
                if (l != null) {
                    return l;
                }
            } catch (OverlappingFileLockException ex) {
                // this JVM's previous instance has not closed yet
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IOException("spool store " + path + " is locked by another process or instance");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** Runs {@code call} on the channel, reopening it as often as an interrupt closed it meanwhile. */
    private <T> T onChannel(ChannelCall<T> call) {
        boolean interrupted = false;
        try {
            for (int attempt = 0; ; attempt++) {
                FileChannel ch = channel;
                try {
                    return call.call(ch);
                } catch (ClosedChannelException ex) {
                    if (closed.get()) {
                        throw new DBException.VolumeClosed(ex);
                    }
                    if (attempt >= MAX_REOPENS) {
                        throw new DBException.VolumeIOError(ex);
                    }
                    // with the flag still set the retry would close the new channel at once
                    interrupted |= Thread.interrupted();
                    reopen(ch, ex);
                } catch (IOException ex) {
                    throw new DBException.VolumeIOError(ex);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private synchronized void reopen(FileChannel failed, ClosedChannelException cause) {
        if (channel != failed || closed.get()) {
            return; // another thread reopened it already, or the volume is closing
        }
        try {
            FileChannel fresh = openChannel();
            FileLock l = null;
            try {
                l = fresh.tryLock();
            } catch (OverlappingFileLockException ex) {
                // only this JVM can hold it: nothing to add
            }
            if (l == null) {
                LOG.error("spool store {} reopened but could not be locked again; another process may open it", path);
            }
            lock = l;
            channel = fresh;
            reopens++;
            LOG.info(
                    "spool store {} reopened: a thread interrupted during I/O closed its channel ({})",
                    path,
                    cause.getClass().getSimpleName());
        } catch (IOException ex) {
            throw new DBException.VolumeIOError(ex);
        }
    }

    /** How many times the channel was reopened after an interrupt closed it. */
    long reopens() {
        return reopens;
    }

    private void readFully(long offset, ByteBuffer buf) {
        onChannel(ch -> {
            while (buf.hasRemaining()) {
                int n = ch.read(buf, offset + buf.position());
                if (n < 0) {
                    throw new EOFException("spool store " + path + " ends before " + (offset + buf.limit()));
                }
            }
            return null;
        });
    }

    /** {@code buf} starts at position 0 (a slice or a fresh buffer): a retry goes on where the last write ended. */
    private void writeFully(long offset, ByteBuffer buf) {
        onChannel(ch -> {
            while (buf.hasRemaining()) {
                ch.write(buf, offset + buf.position());
            }
            return null;
        });
    }

    // ---- reads ----

    @Override
    public long getLong(long offset) {
        ByteBuffer b = ByteBuffer.allocate(8);
        readFully(offset, b);
        return b.getLong(0);
    }

    @Override
    public int getInt(long offset) {
        ByteBuffer b = ByteBuffer.allocate(4);
        readFully(offset, b);
        return b.getInt(0);
    }

    @Override
    public byte getByte(long offset) {
        ByteBuffer b = ByteBuffer.allocate(1);
        readFully(offset, b);
        return b.get(0);
    }

    @Override
    public DataInput2 getDataInput(long offset, int size) {
        byte[] b = new byte[size];
        readFully(offset, ByteBuffer.wrap(b));
        return new DataInput2.ByteArray(b);
    }

    @Override
    public void getData(long offset, byte[] bytes, int bytesPos, int size) {
        readFully(offset, ByteBuffer.wrap(bytes, bytesPos, size).slice());
    }

    // ---- writes (only the journal's applying of a commit, and growth) ----

    @Override
    public void putLong(long offset, long value) {
        writeFully(offset, ByteBuffer.allocate(8).putLong(0, value));
    }

    @Override
    public void putInt(long offset, int value) {
        writeFully(offset, ByteBuffer.allocate(4).putInt(0, value));
    }

    @Override
    public void putByte(long offset, byte value) {
        writeFully(offset, ByteBuffer.wrap(new byte[] {value}));
    }

    @Override
    public void putData(long offset, byte[] src, int srcPos, int srcSize) {
        writeFully(offset, ByteBuffer.wrap(src, srcPos, srcSize).slice());
    }

    @Override
    public void putData(long offset, ByteBuffer buf) {
        writeFully(offset, buf.slice());
    }

    @Override
    public void clear(long startOffset, long endOffset) {
        byte[] zeros = new byte[(int) Math.min(64 * 1024, Math.max(0, endOffset - startOffset))];
        for (long pos = startOffset; pos < endOffset; ) {
            int n = (int) Math.min(zeros.length, endOffset - pos);
            putData(pos, zeros, 0, n);
            pos += n;
        }
    }

    /** Grows the file to {@code offset} rounded up to a slice (the caller wrote real zeros up to there). */
    @Override
    public synchronized void ensureAvailable(long offset) {
        long target = (offset + sliceSize - 1) / sliceSize * sliceSize;
        if (target > size) {
            long current = length();
            if (current < target) {
                writeFully(target - 1, ByteBuffer.allocate(1));
            }
            size = Math.max(target, current);
        }
    }

    @Override
    public synchronized void truncate(long newSize) {
        onChannel(ch -> ch.truncate(newSize));
        size = newSize;
    }

    @Override
    public void sync() {
        onChannel(ch -> {
            ch.force(true);
            return null;
        });
    }

    @Override
    public synchronized void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            FileLock l = lock;
            if (l != null && l.isValid()) {
                l.release();
            }
        } catch (IOException ex) {
            // closing the channel releases it anyway
        }
        try {
            channel.close();
        } catch (IOException ex) {
            throw new DBException.VolumeIOError(ex);
        }
    }

    @Override
    public int sliceSize() {
        return sliceSize;
    }

    @Override
    public boolean isSliced() {
        return false;
    }

    @Override
    public long length() {
        return onChannel(FileChannel::size);
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public File getFile() {
        return path.toFile();
    }

    @Override
    public boolean getFileLocked() {
        FileLock l = lock;
        return l != null && l.isValid();
    }
}

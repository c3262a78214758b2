package org.karavel.spool.internal;

import java.io.File;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.mapdb.DataInput2;
import org.mapdb.volume.Volume;

/**
 * MapDB's write-ahead log of one commit, kept in the heap instead of a file. MapDB 3.1 never replays
 * that log after a crash (the {@link CommitJournal} is what makes commits durable), so as a file it
 * only cost system calls: it is created, written, read back for its checksum and deleted at every
 * commit. The array is handed back to a {@link Spare} on close, so commits do not allocate one each.
 */
final class HeapLogVolume extends Volume {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final int MIN_CAPACITY = 64 * 1024;

    /** One array kept between commits; zeroed up to where the last user wrote before it is reused. */
    static final class Spare {
        private final int keepAtMost;
        private byte[] array;

        Spare(int keepAtMostBytes) {
            this.keepAtMost = keepAtMostBytes;
        }

        synchronized byte[] take() {
            byte[] a = array;
            array = null;
            return a != null ? a : new byte[MIN_CAPACITY];
        }

        synchronized void giveBack(byte[] a, int written) {
            if (a.length <= keepAtMost && (array == null || array.length < a.length)) {
                Arrays.fill(a, 0, written, (byte) 0);
                array = a;
            }
        }
    }

    private final Spare spare;
    private volatile byte[] data;
    private int written; // high-water mark of writes: what must be zeroed before reuse
    private long length;

    HeapLogVolume(Spare spare) {
        this.spare = spare;
        this.data = spare.take();
    }

    @Override
    public synchronized void ensureAvailable(long offset) {
        if (offset > length) {
            length = offset;
        }
        if (offset > data.length) {
            long capacity = Math.max(offset, (long) data.length * 2);
            if (capacity > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("write-ahead log over 2 GB");
            }
            data = Arrays.copyOf(data, (int) capacity);
        }
    }

    @Override
    public synchronized void truncate(long size) {
        if (size < length) {
            int from = (int) size;
            Arrays.fill(data, from, Math.max(from, Math.min(written, data.length)), (byte) 0);
            written = Math.min(written, from);
            length = size;
        }
    }

    private byte[] forWrite(long offset, int size) {
        ensureAvailable(offset + size);
        written = (int) Math.max(written, offset + size);
        return data;
    }

    @Override
    public synchronized void putLong(long offset, long value) {
        LONG.set(forWrite(offset, 8), (int) offset, value);
    }

    @Override
    public synchronized void putInt(long offset, int value) {
        INT.set(forWrite(offset, 4), (int) offset, value);
    }

    @Override
    public synchronized void putByte(long offset, byte value) {
        forWrite(offset, 1)[(int) offset] = value;
    }

    @Override
    public synchronized void putData(long offset, byte[] src, int srcPos, int srcSize) {
        System.arraycopy(src, srcPos, forWrite(offset, srcSize), (int) offset, srcSize);
    }

    @Override
    public synchronized void putData(long offset, ByteBuffer buf) {
        int size = buf.remaining();
        buf.duplicate().get(forWrite(offset, size), (int) offset, size);
    }

    @Override
    public synchronized void clear(long startOffset, long endOffset) {
        int end = (int) Math.min(endOffset, data.length);
        if (startOffset < end) {
            Arrays.fill(data, (int) startOffset, end, (byte) 0);
        }
    }

    @Override
    public long getLong(long offset) {
        return (long) LONG.get(data, (int) offset);
    }

    @Override
    public int getInt(long offset) {
        return (int) INT.get(data, (int) offset);
    }

    @Override
    public byte getByte(long offset) {
        return data[(int) offset];
    }

    @Override
    public DataInput2 getDataInput(long offset, int size) {
        // a copy: the array goes back to the spare when the log is closed, maybe before the caller is done
        return new DataInput2.ByteArray(Arrays.copyOfRange(data, (int) offset, (int) offset + size));
    }

    @Override
    public void getData(long offset, byte[] bytes, int bytesPos, int size) {
        System.arraycopy(data, (int) offset, bytes, bytesPos, size);
    }

    @Override
    public synchronized void close() {
        if (closed.compareAndSet(false, true)) {
            spare.giveBack(data, written);
            data = new byte[0];
            written = 0;
            length = 0;
        }
    }

    @Override
    public void sync() {
        // in the heap: nothing to make durable, see the class comment
    }

    @Override
    public int sliceSize() {
        return -1;
    }

    @Override
    public boolean isSliced() {
        return false;
    }

    @Override
    public synchronized long length() {
        return length;
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public File getFile() {
        return null;
    }

    @Override
    public boolean getFileLocked() {
        return false;
    }
}

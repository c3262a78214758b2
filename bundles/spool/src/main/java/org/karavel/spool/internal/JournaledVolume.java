package org.karavel.spool.internal;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.mapdb.DBException;
import org.mapdb.DataInput2;
import org.mapdb.volume.Volume;

/**
 * The MapDB store file, seen through a {@link CommitJournal}. MapDB's StoreWAL writes to its store
 * file only while committing, then calls {@link #sync()}; those writes are held here until the
 * sync, journaled and fsynced, and only then written to the file, so that a commit reaches the file
 * whole or (after a crash, by replaying the journal) not torn. Reads see held writes too.
 */
final class JournaledVolume extends Volume {
    private final Volume file;
    private final CommitJournal journal;
    private final List<CommitJournal.Write> held = new ArrayList<>();
    private volatile int heldCount;
    private final long growthUnit;
    private volatile boolean broken;

    /** @param growthUnit what the file volume rounds a growth up to (its slice size) */
    JournaledVolume(Volume file, CommitJournal journal, long growthUnit) {
        this.file = file;
        this.journal = journal;
        this.growthUnit = Math.max(1, growthUnit);
    }

    // ---- writes: held until sync ----

    @Override
    public synchronized void putLong(long offset, long value) {
        hold(offset, ByteBuffer.allocate(8).putLong(value).array());
    }

    @Override
    public synchronized void putInt(long offset, int value) {
        hold(offset, ByteBuffer.allocate(4).putInt(value).array());
    }

    @Override
    public synchronized void putByte(long offset, byte value) {
        hold(offset, new byte[] {value});
    }

    @Override
    public synchronized void putData(long offset, byte[] src, int srcPos, int srcSize) {
        byte[] copy = new byte[srcSize];
        System.arraycopy(src, srcPos, copy, 0, srcSize);
        hold(offset, copy);
    }

    @Override
    public synchronized void putData(long offset, ByteBuffer buf) {
        byte[] copy = new byte[buf.remaining()];
        buf.duplicate().get(copy);
        hold(offset, copy);
    }

    @Override
    public synchronized void clear(long startOffset, long endOffset) {
        hold(startOffset, new byte[Math.toIntExact(endOffset - startOffset)]);
    }

    private void hold(long offset, byte[] data) {
        if (broken) {
            throw new DBException.VolumeIOError("spool store is broken after a failed commit; restart the spool");
        }
        held.add(new CommitJournal.Write(offset, data));
        heldCount = held.size();
    }

    /** Journals and fsyncs the held writes, then writes them to the store file and fsyncs it. */
    @Override
    public synchronized void sync() {
        if (broken) {
            throw new DBException.VolumeIOError("spool store is broken after a failed commit; restart the spool");
        }
        if (held.isEmpty()) {
            file.sync();
            return;
        }
        try {
            journal.append(held, file.length());
        } catch (IOException ex) {
            // nothing reached the store file: MapDB's rollback finds it as it was
            discardHeld();
            throw new DBException.VolumeIOError(ex);
        }
        try {
            for (CommitJournal.Write w : held) {
                file.putData(w.offset(), w.data(), 0, w.data().length);
            }
            file.sync();
        } catch (RuntimeException ex) {
            // half applied: only the journal replay at the next open repairs the file
            broken = true;
            throw ex;
        } finally {
            discardHeld();
        }
    }

    private void discardHeld() {
        held.clear();
        heldCount = 0;
    }

    // ---- reads: straight to the file unless writes are held ----

    @Override
    public long getLong(long offset) {
        if (heldCount == 0) {
            return file.getLong(offset);
        }
        return ByteBuffer.wrap(read(offset, 8)).getLong();
    }

    @Override
    public int getInt(long offset) {
        if (heldCount == 0) {
            return file.getInt(offset);
        }
        return ByteBuffer.wrap(read(offset, 4)).getInt();
    }

    @Override
    public byte getByte(long offset) {
        if (heldCount == 0) {
            return file.getByte(offset);
        }
        return read(offset, 1)[0];
    }

    @Override
    public DataInput2 getDataInput(long offset, int size) {
        if (heldCount == 0) {
            return file.getDataInput(offset, size);
        }
        return new DataInput2.ByteArray(read(offset, size));
    }

    @Override
    public void getData(long offset, byte[] bytes, int bytesPos, int size) {
        if (heldCount == 0) {
            file.getData(offset, bytes, bytesPos, size);
            return;
        }
        System.arraycopy(read(offset, size), 0, bytes, bytesPos, size);
    }

    @Override
    public int getUnsignedShort(long offset) {
        return heldCount == 0 ? file.getUnsignedShort(offset) : super.getUnsignedShort(offset);
    }

    @Override
    public long getSixLong(long pos) {
        return heldCount == 0 ? file.getSixLong(pos) : super.getSixLong(pos);
    }

    @Override
    public long getPackedLong(long position) {
        return heldCount == 0 ? file.getPackedLong(position) : super.getPackedLong(position);
    }

    /** The file's bytes with every held write laid over them, in the order they were made. */
    private synchronized byte[] read(long offset, int size) {
        byte[] b = new byte[size];
        long fileLength = file.length();
        int fromFile = (int) Math.max(0, Math.min(size, fileLength - offset));
        if (fromFile > 0) {
            file.getData(offset, b, 0, fromFile);
        }
        long end = offset + size;
        for (CommitJournal.Write w : held) {
            long wEnd = w.offset() + w.data().length;
            if (w.offset() < end && wEnd > offset) {
                long from = Math.max(offset, w.offset());
                long to = Math.min(end, wEnd);
                System.arraycopy(w.data(), (int) (from - w.offset()), b, (int) (from - offset), (int) (to - from));
            }
        }
        return b;
    }

    // ---- the rest is the file's ----

    /**
     * Grows the store file with real zeros (MapDB's FileChannelVol writes only the last byte, leaving a
     * sparse hole): a full file system then fails the commit here, before its journal, where MapDB can
     * roll it back, rather than when the journaled writes are applied. Growing is harmless: nothing
     * committed points into the new space.
     */
    @Override
    public synchronized void ensureAvailable(long offset) {
        long target = roundUp(offset, growthUnit);
        long length = file.length();
        try {
            if (target > length) {
                byte[] zeros = new byte[(int) Math.min(64 * 1024, target - length)];
                for (long pos = length; pos < target; ) {
                    int n = (int) Math.min(zeros.length, target - pos);
                    file.putData(pos, zeros, 0, n);
                    pos += n;
                }
            }
            file.ensureAvailable(offset);
        } catch (RuntimeException ex) {
            // MapDB is committing (it grows the file only then): the writes held so far are void
            discardHeld();
            throw ex;
        }
    }

    private static long roundUp(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    /** Forgets the writes of a commit that failed before it was journaled, so that a rollback reads the file. */
    synchronized void abandonHeld() {
        discardHeld();
    }

    @Override
    public void truncate(long size) {
        file.truncate(size);
    }

    @Override
    public synchronized void close() {
        if (closed.compareAndSet(false, true)) {
            discardHeld();
            file.close();
            journal.close(!broken);
        }
    }

    @Override
    public int sliceSize() {
        return file.sliceSize();
    }

    @Override
    public boolean isSliced() {
        return file.isSliced();
    }

    @Override
    public long length() {
        return file.length();
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public File getFile() {
        return file.getFile();
    }

    @Override
    public boolean getFileLocked() {
        return file.getFileLocked();
    }

    @Override
    public boolean fileLoad() {
        return file.fileLoad();
    }
}

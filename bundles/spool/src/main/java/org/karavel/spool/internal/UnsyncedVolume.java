package org.karavel.spool.internal;

import java.io.File;
import java.nio.ByteBuffer;
import org.mapdb.DataInput2;
import org.mapdb.volume.Volume;

/**
 * MapDB's write-ahead log file without its fsync. MapDB 3.1 never replays that log after a crash
 * (the {@link CommitJournal} is what makes commits durable), so syncing it would cost a disk flush
 * per commit and buy nothing; it is only the staging area of a transaction.
 */
final class UnsyncedVolume extends Volume {
    private final Volume file;

    UnsyncedVolume(Volume file) {
        this.file = file;
    }

    @Override
    public void sync() {
        // deliberately nothing: see the class comment
    }

    @Override
    public void ensureAvailable(long offset) {
        file.ensureAvailable(offset);
    }

    @Override
    public void truncate(long size) {
        file.truncate(size);
    }

    @Override
    public void putLong(long offset, long value) {
        file.putLong(offset, value);
    }

    @Override
    public void putInt(long offset, int value) {
        file.putInt(offset, value);
    }

    @Override
    public void putByte(long offset, byte value) {
        file.putByte(offset, value);
    }

    @Override
    public void putData(long offset, byte[] src, int srcPos, int srcSize) {
        file.putData(offset, src, srcPos, srcSize);
    }

    @Override
    public void putData(long offset, ByteBuffer buf) {
        file.putData(offset, buf);
    }

    @Override
    public void putUnsignedShort(long offset, int value) {
        file.putUnsignedShort(offset, value);
    }

    @Override
    public void putSixLong(long pos, long value) {
        file.putSixLong(pos, value);
    }

    @Override
    public int putPackedLong(long pos, long value) {
        return file.putPackedLong(pos, value);
    }

    @Override
    public long getLong(long offset) {
        return file.getLong(offset);
    }

    @Override
    public int getInt(long offset) {
        return file.getInt(offset);
    }

    @Override
    public byte getByte(long offset) {
        return file.getByte(offset);
    }

    @Override
    public int getUnsignedShort(long offset) {
        return file.getUnsignedShort(offset);
    }

    @Override
    public long getSixLong(long pos) {
        return file.getSixLong(pos);
    }

    @Override
    public long getPackedLong(long position) {
        return file.getPackedLong(position);
    }

    @Override
    public DataInput2 getDataInput(long offset, int size) {
        return file.getDataInput(offset, size);
    }

    @Override
    public void getData(long offset, byte[] bytes, int bytesPos, int size) {
        file.getData(offset, bytes, bytesPos, size);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            file.close();
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
        return file.isReadOnly();
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
    public void clear(long startOffset, long endOffset) {
        file.clear(startOffset, endOffset);
    }
}

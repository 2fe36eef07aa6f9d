package io.seqaudit.state;

import java.util.Arrays;

/**
 * A growable byte array for the codecs: {@link java.io.ByteArrayOutputStream} without its synchronized methods,
 * which cost more than the writes on the auditor's hot path (one encode per touched stream per batch). One thread.
 */
final class ByteWriter {

    private byte[] buf;
    private int len;

    ByteWriter(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    void write(int b) {
        if (len == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        buf[len++] = (byte) b;
    }

    void write(byte[] b, int off, int n) {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    /** Empties the buffer for reuse, keeping its capacity. */
    ByteWriter reset() {
        len = 0;
        return this;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }
}

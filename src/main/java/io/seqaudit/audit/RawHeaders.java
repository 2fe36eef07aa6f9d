package io.seqaudit.audit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.jboss.logging.Logger;

/**
 * A consumed record header's key and value as the bytes the consumer parsed them from, read without building a
 * {@code String} or copying the value.
 *
 * <p>Why it reaches into kafka-clients: a fetched {@link RecordHeader} keeps its key and value as slices of the
 * fetch buffer in private fields until {@link Header#key()} decodes the key into a String and {@link Header#value()}
 * copies the value. The auditor only needs to know which of four names a key is and to read three short values;
 * decoding every key of every record was a quarter of the auditor thread at 1,000 keys (docs/benchmarks.md,
 * seventh session). No public API hands out those bytes. Where the fields are not there (another kafka-clients, a
 * header already decoded, another {@link Header} implementation) {@link #key} answers null, so the caller uses
 * {@code key()}, and {@link #value} wraps {@code value()}: slower, the same answer. {@code HeaderParserTest} fails
 * if the fast path is off with the kafka-clients this build uses, so an upgrade that renames the fields is noticed,
 * not just slower.
 *
 * <p>Stateless; called on the consumer thread that owns the record. Never changes a header.
 */
final class RawHeaders {

    private static final Logger LOG = Logger.getLogger(RawHeaders.class);
    private static final VarHandle KEY;
    private static final VarHandle VALUE;

    static {
        VarHandle key = null;
        VarHandle value = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(RecordHeader.class, MethodHandles.lookup());
            key = lookup.findVarHandle(RecordHeader.class, "keyBuffer", ByteBuffer.class);
            value = lookup.findVarHandle(RecordHeader.class, "valueBuffer", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            key = null;
            value = null;
            LOG.infof("Record headers are read through key() and value() (%s): correct, a little slower", e);
        }
        KEY = key;
        VALUE = value;
    }

    private RawHeaders() {
    }

    /** Whether headers of the kafka-clients in use are read without decoding. */
    static boolean fast() {
        return KEY != null;
    }

    /**
     * The key's UTF-8 bytes from the buffer's position to its limit (read with absolute gets: never move it), or
     * null when only {@link Header#key()} can tell.
     */
    static ByteBuffer key(Header h) {
        return KEY != null && h instanceof RecordHeader ? (ByteBuffer) KEY.get((RecordHeader) h) : null;
    }

    /**
     * The value's bytes as {@link #key}: in place where the consumer left them, else wrapped from
     * {@link Header#value()}; null for a null value.
     */
    static ByteBuffer value(Header h) {
        ByteBuffer raw = VALUE != null && h instanceof RecordHeader ? (ByteBuffer) VALUE.get((RecordHeader) h) : null;
        if (raw != null) {
            return raw;
        }
        byte[] v = h.value();
        return v == null ? null : ByteBuffer.wrap(v);
    }

    /** Whether the bytes from {@code b}'s position to its limit are exactly {@code ascii}. */
    static boolean equals(ByteBuffer b, byte[] ascii) {
        int from = b.position();
        if (b.limit() - from != ascii.length) {
            return false;
        }
        for (int i = 0; i < ascii.length; i++) {
            if (b.get(from + i) != ascii[i]) {
                return false;
            }
        }
        return true;
    }
}

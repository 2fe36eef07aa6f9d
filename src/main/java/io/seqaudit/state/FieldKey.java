package io.seqaudit.state;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A stream's 20-byte hash field (or a producer epoch's 8-byte hash) as a map key: arrays compare by identity.
 * The bytes are already a hash, so the map hash is taken from them once, not recomputed on every lookup (the
 * auditor looks streams up several times per record). Immutable; the array must not be changed after.
 */
public final class FieldKey {

    private final byte[] bytes;
    private final int hash;

    public FieldKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    public byte[] bytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldKey f && f.hash == hash && Arrays.equals(bytes, f.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}

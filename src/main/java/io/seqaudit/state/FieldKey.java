package io.seqaudit.state;

import java.util.Arrays;

/** A stream's 20-byte hash field as a map key (arrays compare by identity). */
public record FieldKey(byte[] bytes) {

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldKey f && Arrays.equals(bytes, f.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return java.util.HexFormat.of().formatHex(bytes);
    }
}

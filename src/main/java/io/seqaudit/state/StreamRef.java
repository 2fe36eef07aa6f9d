package io.seqaudit.state;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * The identity of a stream: topic, record key (null is a key of its own), producer id and epoch.
 *
 * <p>In Redis a stream is a 20-byte hash field: 12 bytes of the key's hash, then 8 bytes of the producer and
 * epoch's hash. The key half lets {@code GET /streams?key=} find every stream of a key through the small
 * dictionary of producer epochs, without a per-key index.
 */
public final class StreamRef {

    /** Length of {@link #field()}. */
    public static final int FIELD_LENGTH = 20;
    private static final int KEY_PART = 12;

    private final String topic;
    private final byte[] key;
    private final String producer;
    private final long epoch;
    private final byte[] field;

    public StreamRef(String topic, byte[] key, String producer, long epoch) {
        this(topic, key, producer, epoch, keyHash(key), producerEpochHash(producer, epoch));
    }

    /** With hashes the caller already computed (the auditor caches the producer-epoch half). */
    public StreamRef(String topic, byte[] key, String producer, long epoch, byte[] keyHash, byte[] producerEpochHash) {
        this.topic = Objects.requireNonNull(topic);
        this.key = key;
        this.producer = Objects.requireNonNull(producer);
        this.epoch = epoch;
        this.field = new byte[FIELD_LENGTH];
        System.arraycopy(keyHash, 0, field, 0, KEY_PART);
        System.arraycopy(producerEpochHash, 0, field, KEY_PART, FIELD_LENGTH - KEY_PART);
    }

    /** The first 12 bytes of a stream field: a hash of the key, with null distinct from every byte string. */
    public static byte[] keyHash(byte[] key) {
        return Murmur3.hash128(key == null ? new byte[0] : key, key == null ? 0x6e756c6c : 0x6b6579);
    }

    /** The last 8 bytes of a stream field: a hash of producer and epoch. */
    public static byte[] producerEpochHash(String producer, long epoch) {
        byte[] p = producer.getBytes(StandardCharsets.UTF_8);
        byte[] buf = ByteBuffer.allocate(p.length + 8).put(p).putLong(epoch).array();
        return Arrays.copyOf(Murmur3.hash128(buf, 0x7065), 8);
    }

    /** The stream's hash field from its key hash and producer-epoch hash. */
    public static byte[] field(byte[] keyHash, byte[] producerEpochHash) {
        byte[] f = new byte[FIELD_LENGTH];
        System.arraycopy(keyHash, 0, f, 0, KEY_PART);
        System.arraycopy(producerEpochHash, 0, f, KEY_PART, FIELD_LENGTH - KEY_PART);
        return f;
    }

    /** The producer-epoch part of a stream field (its last 8 bytes). */
    public static byte[] producerEpochPart(byte[] field) {
        return java.util.Arrays.copyOfRange(field, KEY_PART, FIELD_LENGTH);
    }

    public String topic() {
        return topic;
    }

    /** The record key's bytes, or null for the null key. Not copied: do not change. */
    public byte[] key() {
        return key;
    }

    public String producer() {
        return producer;
    }

    public long epoch() {
        return epoch;
    }

    /** The stream's Redis hash field. Not copied: do not change. */
    public byte[] field() {
        return field;
    }

    /** The key as text if it is valid UTF-8, else null (then only {@link #keyBase64()} names it). */
    public String keyText() {
        return keyText(key);
    }

    public String keyBase64() {
        return key == null ? null : Base64.getEncoder().encodeToString(key);
    }

    /** Short printable id of the stream, the prefix of its gap ids. */
    public String id() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(field);
    }

    /** Id of the gap that starts at {@code fromSeq}: {@code topic.streamId.fromSeq}, deterministic. */
    public String gapId(long fromSeq) {
        return topic + "." + id() + "." + fromSeq;
    }

    /** Id of the replay of {@code fromSeq..toSeq}: {@code topic.streamId.from-to}, deterministic. */
    public String replayId(long fromSeq, long toSeq) {
        return topic + "." + id() + "." + fromSeq + "-" + toSeq;
    }

    /** Length of {@link #id()}: 20 bytes in unpadded Base64url. */
    public static final int ID_LENGTH = 27;

    /** The stream field of a stream id. */
    public static byte[] fieldOf(String streamId) {
        return Base64.getUrlDecoder().decode(streamId);
    }

    public static String keyText(byte[] key) {
        if (key == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamRef r && Arrays.equals(field, r.field) && topic.equals(r.topic);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(field);
    }

    @Override
    public String toString() {
        return topic + "/" + (key == null ? "<null>" : keyText() != null ? keyText() : keyBase64()) + "/" + producer
                + "/" + epoch;
    }
}

package io.seqaudit.api;

import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

/**
 * The body of {@code POST /api/v1/replays}: either a gap ({@code gapId}) or a stream and a seq range
 * ({@code topic}, one of {@code key}, {@code keyBase64} or {@code nullKey: true}, {@code producer},
 * {@code epoch}, {@code fromSeq}, {@code toSeq}).
 *
 * <p>The per-field constraints are checked by Bean Validation before the resource runs (400 naming the field, by
 * {@link ValidationErrorMappers}); the rules that relate fields (gapId alone or a stream, exactly one key form,
 * {@code fromSeq <= toSeq}, the range size) stay in {@link ReplayResource}.
 */
public record ReplayRequest(
        @Size(max = 512, message = "gapId is at most 512 characters") String gapId,
        @Size(max = 249, message = "topic is at most 249 characters (Kafka's limit)") String topic,
        @Size(max = ReplayRequest.MAX_KEY_CHARS, message = "key is at most 10240 characters") String key,
        @Size(max = ReplayRequest.MAX_KEY_CHARS * 2, message = "keyBase64 is at most 20480 characters")
        String keyBase64,
        Boolean nullKey,
        @Pattern(regexp = "[\\x20-\\x7e]{1,128}", message = "producer must be printable ASCII, 1 to 128 characters")
        String producer,
        @PositiveOrZero(message = "epoch must be a number from 0") Long epoch,
        @PositiveOrZero(message = "fromSeq must be a number from 0") Long fromSeq,
        @PositiveOrZero(message = "toSeq must be a number from 0") Long toSeq) {

    /** Longest key accepted in a body; keys in a URL are bounded by the HTTP server's line limit (see README). */
    public static final int MAX_KEY_CHARS = 10_240;
}

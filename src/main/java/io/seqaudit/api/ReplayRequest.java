package io.seqaudit.api;

/**
 * The body of {@code POST /api/v1/replays}: either a gap ({@code gapId}) or a stream and a seq range
 * ({@code topic}, one of {@code key}, {@code keyBase64} or {@code nullKey: true}, {@code producer},
 * {@code epoch}, {@code fromSeq}, {@code toSeq}).
 */
public record ReplayRequest(String gapId, String topic, String key, String keyBase64, Boolean nullKey,
        String producer, Long epoch, Long fromSeq, Long toSeq) {
}

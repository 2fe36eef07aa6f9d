package io.seqaudit.replay;

import io.seqaudit.state.StreamRef;

/**
 * What a replay covers: a stream and a seq range, and the gap it was asked for (null if asked by range).
 */
public record ReplayTarget(StreamRef ref, long fromSeq, long toSeq, String gapId) {
}

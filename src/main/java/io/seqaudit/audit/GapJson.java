package io.seqaudit.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.seqaudit.api.GapView;
import io.seqaudit.api.DuplicateView;
import io.seqaudit.sequence.MissingRange;
import io.seqaudit.sequence.Position;
import io.seqaudit.state.StreamRef;
import java.io.UncheckedIOException;
import java.time.Instant;

/** Writes the JSON documents the API serves for gaps and duplicates (stored as they are served). */
final class GapJson {

    private static final ObjectMapper MAPPER = new ObjectMapper().findAndRegisterModules();

    private GapJson() {
    }

    static String gap(StreamRef ref, int partition, MissingRange r) {
        return write(new GapView(ref.gapId(r.from()), ref.topic(), partition, ref.keyText(), ref.keyBase64(),
                ref.producer(), ref.epoch(), r.from(), r.to(), r.isLost() ? "lost" : "suspected",
                Instant.ofEpochMilli(r.openedAt()).toString(),
                r.isLost() ? Instant.ofEpochMilli(r.lostAt()).toString() : null));
    }

    static String duplicate(StreamRef ref, long seq, Position at, Position original, long seenAt) {
        return write(new DuplicateView(ref.topic(), ref.keyText(), ref.keyBase64(), ref.producer(), ref.epoch(), seq,
                at.partition(), at.offset(), original == null ? null : original.partition(),
                original == null ? null : original.offset(), Instant.ofEpochMilli(seenAt).toString()));
    }

    private static String write(Object o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}

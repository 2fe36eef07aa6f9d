package io.seqaudit.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Gap and replay ids: built by {@link StreamRef}, read back by {@link GapId} only. */
class GapIdTest {

    private final StreamRef ref = new StreamRef("orders.v2", "k-1".getBytes(StandardCharsets.UTF_8), "p", 7);

    @Test
    void aGapIdAndItsReplayIdParseBackToTheirStreamAndTail() {
        GapId gap = GapId.parse(ref.gapId(40));
        assertThat(gap).isEqualTo(new GapId("orders.v2", ref.id(), "40"));
        assertThat(gap.streamPrefix()).isEqualTo("orders.v2." + ref.id() + ".");
        assertThat(gap.field()).isEqualTo(StreamRef.fieldOf(ref.id()));
        GapId replay = GapId.parse(ref.replayId(40, 44));
        assertThat(replay.tail()).isEqualTo("40-44");
        assertThat(GapId.gapOfReplay(ref.replayId(40, 44))).isEqualTo(ref.gapId(40));
        assertThat(GapId.gapOfReplay(ref.gapId(40))).isEqualTo(ref.gapId(40));
    }

    @Test
    void anIdNotShapedLikeOneIsNoId() {
        assertThat(GapId.parse(null)).isNull();
        assertThat(GapId.parse("orders.40")).isNull();
        assertThat(GapId.parse("bad topic!." + ref.id() + ".40")).isNull();
        assertThat(GapId.parse("orders." + ref.id().substring(1) + "!.40")).isNull();
    }
}

package io.seqaudit.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JournalTest {

    @Test
    void entriesRoundTripWithKeysNullKeysAndOffsetGaps() {
        byte[] pe = StreamRef.producerEpochHash("orders", 7);
        List<Journal.Entry> entries = new ArrayList<>();
        entries.add(new Journal.Entry(1_000, "k1".getBytes(StandardCharsets.UTF_8), pe, 0));
        entries.add(new Journal.Entry(1_001, null, pe, 300));
        entries.add(new Journal.Entry(5_000_000, "x".repeat(500).getBytes(StandardCharsets.UTF_8), pe, Long.MAX_VALUE));

        Journal.Segment seg = Journal.segment(3, entries);
        List<Journal.Entry> back = Journal.decode(Journal.encode(entries), seg.count());

        assertThat(seg.name()).isEqualTo("3:1000:5000000:3");
        assertThat(Journal.Segment.parse(seg.name())).isEqualTo(seg);
        assertThat(back).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(back.get(i).offset()).isEqualTo(entries.get(i).offset());
            assertThat(back.get(i).key()).isEqualTo(entries.get(i).key());
            assertThat(back.get(i).seq()).isEqualTo(entries.get(i).seq());
            assertThat(back.get(i).field()).isEqualTo(new StreamRef("t", entries.get(i).key(), "orders", 7).field());
        }
    }
}

package io.seqaudit.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Whatever the application reports, in whatever order: the receipts keep the contract (ascending, non-overlapping
 * ranges, processed and failed disjoint, an offset at most once per receipt) and tell exactly the occurrences
 * reported, each offset's outcomes in the order they were reported.
 */
class ReceiptBatcherProperties {

    /** One call of the application: {@code reason} null for processed. */
    record Event(int partition, long offset, String reason) {
    }

    @Property(tries = 2000)
    void receiptsTellExactlyTheOccurrencesReportedInTheirOrder(@ForAll("events") List<Event> events,
            @ForAll @IntRange(min = 1, max = 6) int rangesPerMessage, @ForAll @IntRange(min = 0, max = 3) int drains) {
        ReceiptBatcher b = new ReceiptBatcher(Integer.MAX_VALUE, rangesPerMessage);
        List<Receipt> out = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            ReceiptBatcher.Key key = new ReceiptBatcher.Key("g", "t", e.partition());
            if (e.reason() == null) {
                b.processed(key, e.offset());
            } else {
                b.failed(key, e.offset(), e.reason());
            }
            if (drains > 0 && i % (drains * 7) == 0) {
                out.addAll(b.drain());
            }
        }
        out.addAll(b.drain());
        assertThat(b.held()).isZero();

        Map<String, List<String>> reported = new HashMap<>();
        for (Event e : events) {
            reported.computeIfAbsent(e.partition() + "@" + e.offset(), k -> new ArrayList<>())
                    .add(e.reason() == null ? "ok" : e.reason());
        }
        Map<String, List<String>> told = new HashMap<>();
        for (Receipt r : out) {
            assertThat(r.ranges()).isBetween(1, rangesPerMessage);
            TreeSet<Long> seen = new TreeSet<>();
            long last = -1;
            for (Receipt.Range p : r.processed()) {
                assertThat(p.from()).isGreaterThan(last).isLessThanOrEqualTo(p.to());
                last = p.to();
                for (long o = p.from(); o <= p.to(); o++) {
                    assertThat(seen.add(o)).isTrue();
                    told.computeIfAbsent(r.partition() + "@" + o, k -> new ArrayList<>()).add("ok");
                }
            }
            last = -1;
            for (Receipt.Failed f : r.failed()) {
                assertThat(f.from()).isGreaterThan(last).isLessThanOrEqualTo(f.to());
                last = f.to();
                for (long o = f.from(); o <= f.to(); o++) {
                    assertThat(seen.add(o)).as("failed disjoint from processed").isTrue();
                    told.computeIfAbsent(r.partition() + "@" + o, k -> new ArrayList<>()).add(f.reason());
                }
            }
        }
        assertThat(told).isEqualTo(reported);
    }

    @Property(tries = 1000)
    void theBoundDropsOnlyWhatItCounts(@ForAll("events") List<Event> events,
            @ForAll @IntRange(min = 1, max = 8) int maxRanges) {
        ReceiptBatcher b = new ReceiptBatcher(maxRanges, 3);
        for (Event e : events) {
            ReceiptBatcher.Key key = new ReceiptBatcher.Key("g", "t", e.partition());
            if (e.reason() == null) {
                b.processed(key, e.offset());
            } else {
                b.failed(key, e.offset(), e.reason());
            }
            assertThat(b.held()).isLessThanOrEqualTo(maxRanges);
        }
        long told = b.drain().stream().mapToLong(Receipt::offsets).sum();
        assertThat(told + b.dropped()).isEqualTo(events.size());
    }

    @Provide
    Arbitrary<List<Event>> events() {
        Arbitrary<String> reason = Arbitraries.of(null, null, null, "java.lang.IllegalStateException", "timeout");
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.longs().between(0, 40), reason)
                .as(Event::new).list().ofMaxSize(120);
    }
}

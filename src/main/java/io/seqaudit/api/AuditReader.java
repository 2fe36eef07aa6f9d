package io.seqaudit.api;

import io.seqaudit.config.SeqauditConfig;
import io.seqaudit.replay.ReplayStore;
import io.seqaudit.replay.ReplayView;
import io.seqaudit.sequence.ConsumerReason;
import io.seqaudit.sequence.LossStage;
import io.seqaudit.sequence.MissingRange;
import io.seqaudit.sequence.Outcome;
import io.seqaudit.sequence.StreamState;
import io.seqaudit.state.ConsumerFinding;
import io.seqaudit.state.ConsumerStore;
import io.seqaudit.state.GapId;
import io.seqaudit.state.GapRecord;
import io.seqaudit.state.GapState;
import io.seqaudit.state.StateReader;
import io.seqaudit.state.StreamRef;
import io.seqaudit.state.TotalField;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the audit state from Redis for the API. Called on REST worker threads; a Redis failure surfaces as
 * {@link io.seqaudit.state.StateUnavailableException} (answered 503).
 */
@ApplicationScoped
public class AuditReader {

    private final StateReader reader;
    private final ReplayStore replayStore;
    private final SeqauditConfig config;

    public AuditReader(StateReader reader, ReplayStore replayStore, SeqauditConfig config) {
        this.reader = reader;
        this.replayStore = replayStore;
        this.config = config;
    }

    public SummaryView summary() {
        Map<String, SummaryView> topics = new LinkedHashMap<>();
        for (String topic : config.topics()) {
            topics.put(topic, topicSummary(topic));
        }
        Map<String, Long> records = zeroOutcomes();
        Map<String, Long> invalid = new LinkedHashMap<>();
        Map<String, Long> uncovered = new LinkedHashMap<>();
        long suspected = 0;
        long lost = 0;
        long lostTotal = 0;
        long lostFilled = 0;
        Map<String, Long> lostByStage = zeroStages();
        long aborted = 0;
        long streams = 0;
        for (SummaryView t : topics.values()) {
            t.records().forEach((k, v) -> records.merge(k, v, Long::sum));
            t.invalid().forEach((k, v) -> invalid.merge(k, v, Long::sum));
            t.uncovered().forEach((k, v) -> uncovered.merge(k, v, Long::sum));
            suspected += t.suspected();
            lost += t.lost();
            lostTotal += t.lostTotal();
            lostFilled += t.lostFilled();
            t.lostByStage().forEach((k, v) -> lostByStage.merge(k, v, Long::sum));
            aborted += t.aborted();
            streams += t.streams();
        }
        return new SummaryView(records, invalid, uncovered, suspected, lost, lostTotal, lostFilled, lostByStage,
                aborted, streams, topics);
    }

    private SummaryView topicSummary(String topic) {
        Map<TotalField, Long> totals = reader.totals(topic);
        Map<String, Long> records = zeroOutcomes();
        Map<String, Long> invalid = new LinkedHashMap<>();
        Map<String, Long> uncovered = new LinkedHashMap<>();
        Map<String, Long> lostByStage = zeroStages();
        totals.forEach((total, v) -> {
            if (total instanceof TotalField.Records r) {
                records.put(r.outcome().tag(), v);
            } else if (total instanceof TotalField.Invalid i) {
                invalid.put(i.reason(), v);
            } else if (total instanceof TotalField.Uncovered u) {
                uncovered.put(u.reason().tag(), v);
            } else if (total instanceof TotalField.Lost l) {
                lostByStage.put(l.stage().tag(), v);
            }
        });
        long lostTotal = totals.getOrDefault(TotalField.Fixed.LOST_TOTAL, 0L);
        // State written before losses had a stage counted only the total: the rest is of no known stage.
        long staged = lostByStage.values().stream().mapToLong(Long::longValue).sum();
        lostByStage.merge(LossStage.UNKNOWN.tag(), Math.max(0, lostTotal - staged), Long::sum);
        // Consumer-stage losses are records, not seqs of a stream: counted apart from lostTotal, from the groups'
        // stored progress (one small value per group and partition).
        lostByStage.put(LossStage.CONSUMER.tag(), reader.consumerProgress(topic).stream()
                .mapToLong(p -> p.ledger().lostCount()).sum());
        return new SummaryView(records, invalid, uncovered,
                totals.getOrDefault(TotalField.Fixed.MISSING_SUSPECTED, 0L),
                totals.getOrDefault(TotalField.Fixed.MISSING_LOST, 0L), lostTotal,
                totals.getOrDefault(TotalField.Fixed.LOST_FILLED, 0L), lostByStage,
                totals.getOrDefault(TotalField.Fixed.ABORTED_TOTAL, 0L),
                totals.getOrDefault(TotalField.Fixed.STREAMS, 0L), null);
    }

    private static Map<String, Long> zeroStages() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (LossStage s : LossStage.values()) {
            m.put(s.tag(), 0L);
        }
        return m;
    }

    private static Map<String, Long> zeroOutcomes() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Outcome o : Outcome.values()) {
            m.put(o.tag(), 0L);
        }
        return m;
    }

    /**
     * One page of a topic's gaps, optionally of one state, in id order: the open gaps (a lost gap that a replay
     * covers shows the replay's progress: {@code replaying}, {@code unrecoverable} or {@code failed}) and the
     * repaired ones (closed in the audit state; their replay is what remains of them). Reads at most {@code limit}
     * ids per shard from the gap index and {@code limit} from the replay index, then the replays of the page's lost
     * gaps' streams: a small page is cheap whatever the topic holds. With a state, a page may hold fewer than
     * {@code limit} items (even none) while {@code next} is set: follow {@code next} until it is null.
     */
    public Page<GapView> gaps(String topic, GapView.State state, LossStage stage, String cursor, int limit) {
        String after = Page.decode(cursor);
        if (after != null && !after.startsWith(topic + ".")) { // not a gap id of this topic: no cursor we gave
            throw Page.badCursor();
        }
        boolean consumerStage = stage == LossStage.CONSUMER;
        TreeMap<String, GapView> candidates = new TreeMap<>();
        // The last id up to which every source was read whole; null once every source was read to its end.
        String boundary = null;
        if (state != GapView.State.REPAIRED && state != GapView.State.DUPLICATED && !consumerStage) {
            StateReader.GapPage open = reader.gapsAfter(topic, after, limit);
            List<ReplayView> replays = replayStore.ofStreams(topic, open.gaps().stream()
                    .filter(g -> g.state() == GapState.LOST).map(g -> streamPrefix(g.id())).distinct().toList());
            open.gaps().forEach(g -> candidates.put(g.id(), withReplay(view(g), replays)));
            boundary = open.more() ? open.last() : null;
        }
        if ((state == null || state == GapView.State.REPAIRED) && !consumerStage) {
            // A replay id is its gap's id + "-" + toSeq: the replays of the gaps after the cursor follow "<after>-~".
            ReplayStore.Slice slice = replayStore.after(topic, after == null ? null : after + "-~", limit);
            slice.replays().stream().filter(r -> r.state() == ReplayView.State.REPAIRED).map(AuditReader::repairedGap)
                    .forEach(g -> candidates.putIfAbsent(g.id(), g)); // an open gap of that id shows its replay
            if (slice.more()) {
                String last = GapId.gapOfReplay(slice.last());
                boundary = boundary == null || last.compareTo(boundary) < 0 ? last : boundary;
            }
        }
        if ((stage == null || consumerStage)
                && (state == null || state == GapView.State.LOST || state == GapView.State.DUPLICATED)) {
            // Consumer-stage findings: their ids sort after every stream gap id of the topic (ConsumerFinding.idOf).
            ConsumerStore.Page found = reader.consumerFindingsAfter(topic, after, limit);
            found.findings().forEach(f -> candidates.put(f.id(), view(f)));
            if (found.more()) {
                boundary = boundary == null || found.last().compareTo(boundary) < 0 ? found.last() : boundary;
            }
        }
        String last = boundary;
        if (last != null) {
            candidates.tailMap(last, false).clear();
        }
        List<GapView> page = new ArrayList<>(candidates.values());
        if (page.size() > limit) {
            page.subList(limit, page.size()).clear();
            last = page.get(limit - 1).id();
        }
        List<GapView> items = page.stream().filter(g -> state == null || state == g.state())
                .filter(g -> stage == null || stage.tag().equals(g.stage())).toList();
        return new Page<>(items, last == null ? null : Page.encode(last));
    }

    /** A consumer-stage finding as a gap: one record, its seq as the range (-1 without a valid stamp). */
    private static GapView view(ConsumerFinding f) {
        long seq = f.seq() == null ? -1 : f.seq();
        boolean lost = f.reason() == ConsumerReason.COMMITTED_NOT_PROCESSED;
        return new GapView(f.id(), f.topic(), f.partition(), f.key(), f.keyBase64(), f.producer(),
                f.epoch() == null ? -1 : f.epoch(), seq, seq, lost ? GapView.State.LOST : GapView.State.DUPLICATED,
                f.committedAt(), lost ? f.foundAt() : null, LossStage.CONSUMER.tag(), f.cause(), f.group(),
                f.offset(), f.reason().tag());
    }

    /** {@code topic.streamId.} of a gap or replay id {@code topic.streamId.from[-to]} (ids stored by us: well formed). */
    private static String streamPrefix(String id) {
        return GapId.parse(id).streamPrefix();
    }

    private static GapView view(GapRecord g) {
        return new GapView(g.id(), g.topic(), g.partition(), g.key(), g.keyBase64(), g.producer(), g.epoch(),
                g.fromSeq(), g.toSeq(), GapView.State.of(g.state()), g.openedAt(), g.lostAt(),
                g.stage().tag(), g.cause());
    }

    private static GapView repairedGap(ReplayView r) {
        String id = streamPrefix(r.id()) + r.fromSeq(); // the id of the gap it repaired, as its replay id sorts
        return new GapView(id, r.topic(), -1, r.key(), r.keyBase64(), r.producer(), r.epoch(), r.fromSeq(), r.toSeq(),
                GapView.State.REPAIRED, r.createdAt(), null, null, null);
    }

    private static GapView withReplay(GapView g, List<ReplayView> replays) {
        if (g.state() != GapView.State.LOST) {
            return g;
        }
        String prefix = streamPrefix(g.id());
        for (ReplayView r : replays) {
            if (r.id().startsWith(prefix) && r.fromSeq() <= g.fromSeq() && r.toSeq() >= g.toSeq()) {
                return g.with(GapView.State.of(r));
            }
        }
        return g;
    }

    /**
     * One page of the duplicates a topic keeps, newest first (each shard keeps its newest
     * {@code seqaudit.state.duplicates-kept}: a bounded read).
     */
    public Page<DuplicateView> duplicates(String topic, String cursor, int limit) {
        String after = Page.decode(cursor);
        if (after != null && !DUPLICATE_KEY.matcher(after).matches()) {
            throw Page.badCursor();
        }
        List<DuplicateView> all = reader.duplicates(topic).stream().map(d -> new DuplicateView(d.topic(), d.key(),
                d.keyBase64(), d.producer(), d.epoch(), d.seq(), d.partition(), d.offset(), d.originalPartition(),
                d.originalOffset(), d.seenAt())).sorted(Comparator.comparing(AuditReader::newestFirst)).toList();
        return Page.after(all, AuditReader::newestFirst, cursor, limit);
    }

    private static final java.util.regex.Pattern DUPLICATE_KEY = java.util.regex.Pattern.compile(
            "\\d{19}/\\d{10}/\\d{19}");

    /** A duplicate's sort key: newest first, then by partition and offset (unique: one duplicate per record). */
    private static String newestFirst(DuplicateView d) {
        long at = Instant.parse(d.seenAt()).toEpochMilli();
        return String.format("%019d/%010d/%019d", Long.MAX_VALUE - at, d.partition(), d.offset());
    }

    /** Every stream of one key (null: the null key) in a topic, one per producer epoch. */
    public List<StreamView> streams(String topic, byte[] key) {
        List<StreamView> out = new ArrayList<>();
        reader.streamsOfKey(topic, key).forEach(s -> out.add(view(s.ref(), s.state())));
        out.sort(Comparator.comparing(StreamView::producer).thenComparingLong(StreamView::epoch));
        return out;
    }

    private static StreamView view(StreamRef ref, StreamState s) {
        List<StreamView.Range> missing = new ArrayList<>();
        for (MissingRange r : s.missing()) {
            missing.add(new StreamView.Range(r.from(), r.to(), r.isLost() ? GapState.LOST : GapState.SUSPECTED));
        }
        return new StreamView(ref.topic(), ref.keyText(), ref.keyBase64(), ref.producer(), ref.epoch(), s.start(),
                s.nextExpected(), s.high(), missing, s.duplicates(), s.home(), s.multiPartition(),
                Instant.ofEpochMilli(s.lastActivity()).toString());
    }
}

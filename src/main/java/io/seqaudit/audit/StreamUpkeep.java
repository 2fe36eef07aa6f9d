package io.seqaudit.audit;

import io.seqaudit.sequence.StreamState;
import io.seqaudit.state.FieldKey;
import io.seqaudit.state.StateStore;
import io.seqaudit.state.StreamCodec;
import io.seqaudit.state.TopicKeys;
import io.seqaudit.state.TopicLayout;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;
import org.jboss.logging.Logger;

/**
 * Keeps a topic's stored streams small on ticks: idle streams shrink to their watermark, long-idle streams without
 * missing seqs are deleted (one page of one shard per sweep interval, so the audit never waits on it). Used by
 * the consumer thread only, through {@link TopicAuditor}.
 */
final class StreamUpkeep {

    private static final Logger LOG = Logger.getLogger(StreamUpkeep.class);
    /** The expiry sweep reads one page per interval: expiry is measured in days, the audit must not wait on it. */
    private static final long SWEEP_INTERVAL_MS = 5_000;
    private static final int COMPACT_PER_TICK = 10_000;
    /**
     * Compaction walks the cache at most this often, not on every empty tick (100 ms): each walk looks at up to
     * 40,000 entries and moves the compacted ones behind, a cost that recurs while many cached streams are idle
     * (9 % of the auditor thread in a 100,000-key benchmark profile). Idle is measured in minutes (idle-after), so
     * a second more changes no stored size that matters.
     */
    private static final long COMPACT_INTERVAL_MS = 1_000;

    private final String topic;
    private final TopicLayout layout;
    private final StateStore store;
    private final StreamCache cache;
    private final long idleAfterMillis;
    private final long expireAfterMillis;
    private int sweepShard;
    private String sweepCursor = "0";
    private long nextSweep;
    private long nextCompact;

    StreamUpkeep(String topic, TopicLayout layout, StateStore store, StreamCache cache, AuditSettings settings) {
        this.topic = topic;
        this.layout = layout;
        this.store = store;
        this.cache = cache;
        this.idleAfterMillis = settings.idleAfterMillis();
        this.expireAfterMillis = settings.expireAfterMillis();
    }

    long idleAfterMillis() {
        return idleAfterMillis;
    }

    /**
     * Touches streams idle for longer than {@code idleAfter} that still remember recent positions: they are
     * written once more without them, so an idle stream shrinks to its watermark.
     */
    void compactIdle(BatchWork work, Map<Integer, PartitionBook> books, IntToLongFunction progressOf, long now) {
        if (now < nextCompact) {
            return;
        }
        nextCompact = now + COMPACT_INTERVAL_MS;
        Iterator<StreamCache.Entry> it = cache.eldestFirst();
        List<FieldKey> idle = new ArrayList<>();
        // Idle streams already compacted are moved behind the active ones, so that a tick does not walk them again
        // each time; the walk is bounded by entries looked at too.
        List<StreamCache.Entry> compacted = new ArrayList<>();
        int looked = 0;
        while (it.hasNext() && idle.size() < COMPACT_PER_TICK && looked++ < 4 * COMPACT_PER_TICK) {
            StreamCache.Entry e = it.next();
            StreamState s = e.state();
            if (s.lastActivity() >= progressOf.applyAsLong(s.home()) - idleAfterMillis) {
                break;
            }
            if (s.recent().size() > 0 && books.containsKey(s.home())) {
                idle.add(e.field());
            } else {
                compacted.add(e);
            }
        }
        compacted.forEach(cache::moveToNewest);
        idle.forEach(f -> work.touch(f, layout.shardOf(f.bytes()), cache));
    }

    /**
     * Once per interval, reads one page of one shard's streams and deletes those homed here that have had no
     * record for longer than the expiry time and miss nothing: Redis memory stays bounded by the active streams.
     */
    void sweep(BatchWork work, Map<Integer, PartitionBook> books, IntToLongFunction progressOf, long now) {
        if (now < nextSweep) {
            return;
        }
        nextSweep = now + SWEEP_INTERVAL_MS;
        List<FieldKey> expired = new ArrayList<>();
        TopicKeys shard = layout.shard(sweepShard);
        sweepCursor = store.scanPages(shard.streams(), sweepCursor, 500, (f, blob) -> {
            StreamState s;
            try {
                s = StreamCodec.decode(topic, blob).state();
            } catch (IllegalArgumentException e) {
                LOG.warnf("Topic %s: skipping a corrupt stream state in the expiry sweep: %s", topic, e.getMessage());
                return;
            }
            if (s.missing().isEmpty() && books.containsKey(s.home())
                    && s.lastActivity() < progressOf.applyAsLong(s.home()) - expireAfterMillis) {
                FieldKey field = new FieldKey(f);
                cache.load(topic, field, blob);
                expired.add(field);
            }
        }, 500);
        if ("0".equals(sweepCursor)) {
            sweepShard = (sweepShard + 1) % layout.shards();
        }
        for (FieldKey f : expired) {
            work.touch(f, shard.shard(), cache).expire = true;
        }
    }
}

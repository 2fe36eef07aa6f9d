package io.seqaudit.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqaudit.sequence.ConsumerLedger;
import io.seqaudit.sequence.ConsumerReason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The consumer stage's compare-and-set on the real Redis (127.0.0.1:6379), with 4 shards: a write lands in the shard
 * of its partition with its findings; a writer that started from an older version writes nothing and is handed the
 * stored value; a write under another generation (re-audited, lost) writes nothing; a re-audit deletes it all.
 */
class ConsumerStoreTest {

    @RegisterExtension
    static final LocalRedis REDIS = new LocalRedis();

    private static final String TOPIC = "orders";
    private static final String GEN = "gen-1";
    private final String prefix = "seqaudit-cstest-" + UUID.randomUUID();
    private final StateStore store = new StateStore(REDIS.client(), Duration.ofSeconds(10), prefix, 4);
    private final ConsumerStore consumers = new ConsumerStore(store);

    @AfterEach
    void deleteKeys() {
        store.deleteTopic(store.layout(TOPIC));
    }

    private void identify() {
        store.layout(TOPIC).all().forEach(shard -> store.identify(shard, GEN, "start", 0));
    }

    private static ConsumerFinding finding(int partition, long offset) {
        return new ConsumerFinding(ConsumerFinding.idOf(TOPIC, partition, offset,
                ConsumerReason.COMMITTED_NOT_PROCESSED, "g", null), "g", TOPIC, partition, offset,
                ConsumerReason.COMMITTED_NOT_PROCESSED, null, "k", "aw==", "p", 0L, offset, "t", "t", "t");
    }

    @Test
    void aWriteStoresTheReceiptOffsetsTheLedgerAndTheFindingsTogether() {
        identify();
        ConsumerLedger ledger = new ConsumerLedger();
        ledger.noCommit();
        ledger.processed(0, 4);
        ConsumerProgress v1 = ConsumerProgress.fresh("g", TOPIC, 3).next(Map.of(0, 7L), ledger.data());
        assertThat(consumers.write(v1, GEN, List.of(finding(3, 5))).outcome())
                .isEqualTo(ConsumerStore.Outcome.APPLIED);
        assertThat(consumers.progress("g", TOPIC, 3)).isEqualTo(v1);
        assertThat(consumers.all(TOPIC)).containsExactly(v1);
        TopicKeys shard = store.layout(TOPIC).shard(store.layout(TOPIC).shardOfPartition(3));
        assertThat(store.hashAll(shard.consumerFindings())).containsOnlyKeys(finding(3, 5).id());
        ConsumerStore.Page page = consumers.findingsAfter(TOPIC, null, 10);
        assertThat(page.findings()).containsExactly(finding(3, 5));
        assertThat(page.more()).isFalse();
    }

    @Test
    void aWriterThatStartedFromAnOlderVersionWritesNothingAndGetsTheStoredValue() {
        identify();
        ConsumerProgress fresh = ConsumerProgress.fresh("g", TOPIC, 1);
        ConsumerLedger a = new ConsumerLedger();
        a.processed(0, 9);
        ConsumerProgress first = fresh.next(Map.of(0, 3L), a.data());
        assertThat(consumers.write(first, GEN, List.of()).outcome()).isEqualTo(ConsumerStore.Outcome.APPLIED);
        // A second instance applied the same receipts onto the fresh (version 0) value: a second processing, if written.
        ConsumerLedger b = new ConsumerLedger();
        b.processed(0, 9);
        b.processed(0, 9);
        ConsumerStore.Result stale = consumers.write(fresh.next(Map.of(0, 3L), b.data()), GEN,
                List.of(finding(1, 0)));
        assertThat(stale.outcome()).isEqualTo(ConsumerStore.Outcome.CONFLICT);
        assertThat(stale.current()).isEqualTo(first);
        assertThat(consumers.progress("g", TOPIC, 1).ledger().twiceCount()).isZero();
        assertThat(consumers.findingsAfter(TOPIC, null, 10).findings()).isEmpty();
    }

    @Test
    void aWriteUnderAnotherGenerationWritesNothingAndAReauditDeletesTheConsumerState() {
        identify();
        ConsumerProgress v1 = ConsumerProgress.fresh("g", TOPIC, 2).next(Map.of(), new ConsumerLedger().data());
        assertThat(consumers.write(v1, "gen-0", List.of()).outcome())
                .isEqualTo(ConsumerStore.Outcome.STATE_CHANGED);
        assertThat(consumers.all(TOPIC)).isEmpty();
        assertThat(consumers.write(v1, GEN, List.of(finding(2, 1))).outcome())
                .isEqualTo(ConsumerStore.Outcome.APPLIED);
        store.layout(TOPIC).all().forEach(shard -> store.reaudit(shard, "gen-2", 0, shard.shard() == 0));
        assertThat(consumers.all(TOPIC)).isEmpty();
        assertThat(consumers.findingsAfter(TOPIC, null, 10).findings()).isEmpty();
        assertThat(consumers.write(v1, "gen-2", List.of()).outcome()).isEqualTo(ConsumerStore.Outcome.APPLIED);
    }
}

package io.seqaudit.state;

import io.seqaudit.sequence.ConsumerLedger;
import java.util.Map;
import java.util.TreeMap;

/**
 * The stored consumer-stage progress of one (group, topic, partition) (README, "What the auditor does with
 * receipts"): the receipt-topic offsets read so far, per receipt partition, stored <em>with</em> the ledger they
 * changed, so that a receipt re-read after a crash is skipped instead of read as a second processing. Stored as
 * {@code "<version> <json>"} in the shard's {@link TopicKeys#consumers()} hash; the version makes each write a
 * compare-and-set (see {@link ConsumerStore#write}). Immutable.
 *
 * @param version how many writes made this value (0: never stored)
 * @param group the application's consumer group
 * @param topic the audited topic
 * @param partition the audited partition
 * @param receipts receipt partition → the next receipt offset not yet applied
 * @param ledger what the receipts and committed offsets told so far
 */
public record ConsumerProgress(long version, String group, String topic, int partition, Map<Integer, Long> receipts,
        ConsumerLedger.Data ledger) {

    public ConsumerProgress {
        receipts = Map.copyOf(receipts);
    }

    /** A progress never stored: nothing read, nothing known. */
    public static ConsumerProgress fresh(String group, String topic, int partition) {
        return new ConsumerProgress(0, group, topic, partition, Map.of(), new ConsumerLedger().data());
    }

    /** The hash field of a (group, partition) in its shard's consumers hash. */
    public static String field(int partition, String group) {
        return partition + "/" + group;
    }

    /** The next receipt offset to read on a receipt partition (0: from its start). */
    public long receiptOffset(int receiptPartition) {
        return receipts.getOrDefault(receiptPartition, 0L);
    }

    /** The successor of this value: version + 1, with the receipts read and the ledger as they are now. */
    public ConsumerProgress next(Map<Integer, Long> receipts, ConsumerLedger.Data ledger) {
        return new ConsumerProgress(version + 1, group, topic, partition, new TreeMap<>(receipts), ledger);
    }

    /** The stored text: {@code "<version> <json>"} (the script reads the version without decoding the JSON). */
    public String encode() {
        return version + " " + GapRecord.write(this);
    }

    public static ConsumerProgress decode(String stored) {
        int space = stored.indexOf(' ');
        return GapRecord.read(stored.substring(space + 1), ConsumerProgress.class);
    }
}

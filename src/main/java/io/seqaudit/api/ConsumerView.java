package io.seqaudit.api;

import java.util.List;

/**
 * What one application consumer group did with one audited topic, as {@code GET /api/v1/consumers} serves it
 * (README, "What the auditor does with receipts"): summed over the partitions, then per partition.
 *
 * @param committed records below the group's committed offsets that the auditor watches (from where it began)
 * @param processed records receipted as processed (each once)
 * @param pending committed records not proven processed yet (within grace, or to be looked up)
 * @param lost records reported {@code committed_not_processed}
 * @param processedTwice further processings reported {@code processed_twice}
 */
public record ConsumerView(String group, String topic, long committed, long processed, long pending, long lost,
        long processedTwice, List<PartitionView> partitions) {

    /**
     * One partition.
     *
     * @param committedOffset the group's committed offset as last read (-1: none yet)
     * @param frontier every offset below it is settled
     */
    public record PartitionView(int partition, long committedOffset, long frontier, long processed, long pending,
            long lost, long processedTwice) {
    }
}

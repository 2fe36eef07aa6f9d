package io.seqaudit.audit;

import io.seqaudit.sequence.ConsumerLedger;
import io.seqaudit.sequence.ConsumerReason;
import io.seqaudit.state.ConsumerFinding;
import io.seqaudit.state.ConsumerProgress;
import io.seqaudit.state.StreamRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One (group, topic, partition) a {@link ConsumerAudit} watches: the value stored in Redis, and the work applied on
 * top of it since (the ledger, the receipt offsets read, the findings made) until a write stores it all at once.
 * Its lookups name each finding's record from the log. The auditor's consumer thread only; a lookup that fails
 * throws {@link org.apache.kafka.common.KafkaException} and leaves the tracker as it was.
 */
final class ConsumerTracker {

    /** Offsets processed again, by the receipt at {@code receipt} ("partition-offset"), read at {@code at}. */
    record Twice(ConsumerLedger.Range range, String receipt, long at) {
    }

    final String group;
    final String topic;
    final int partition;
    ConsumerProgress stored;
    ConsumerLedger ledger;
    final Map<Integer, Long> receipts = new HashMap<>();
    final List<ConsumerFinding> findings = new ArrayList<>();
    /** Offsets receipted again, and by which receipt: looked up in the log before the write. */
    final List<Twice> twice = new ArrayList<>();
    boolean dirty;
    long lost;
    long dups;

    ConsumerTracker(ConsumerProgress stored) {
        this.group = stored.group();
        this.topic = stored.topic();
        this.partition = stored.partition();
        reset(stored);
    }

    /** Forgets the work since the stored value, and takes {@code p} as the stored value. */
    void reset(ConsumerProgress p) {
        stored = p;
        ledger = new ConsumerLedger(p.ledger());
        receipts.clear();
        receipts.putAll(p.receipts());
        findings.clear();
        twice.clear();
        dirty = false;
        lost = 0;
        dups = 0;
    }

    /** Settles the due stretch: its unreceipted data records are lost, its other offsets no data. */
    void settleDue(CommittedLookup lookup, long now, long graceMs, long maxOffsets) {
        if (ledger.due(now, graceMs, maxOffsets) == null) {
            return; // nothing due: no request
        }
        ConsumerLedger.Due due = ledger.due(now, graceMs, maxOffsets,
                lookup.readableEnd(new TopicPartition(topic, partition)));
        if (due == null) {
            return;
        }
        List<Long> lostOffsets = new ArrayList<>();
        if (!due.unreceipted().isEmpty()) {
            long first = due.unreceipted().get(0).from();
            long last = due.unreceipted().get(due.unreceipted().size() - 1).to();
            Map<Long, ConsumerRecord<byte[], byte[]>> records = lookup.read(new TopicPartition(topic, partition),
                    first, last + 1);
            for (ConsumerLedger.Failure f : due.unreceipted()) {
                for (long o = f.from(); o <= f.to(); o++) {
                    ConsumerRecord<byte[], byte[]> rec = records.get(o);
                    if (rec != null) {
                        String committedAt = Instant.ofEpochMilli(ledger.committedAt(o)).toString();
                        lostOffsets.add(o);
                        findings.add(finding(rec, ConsumerReason.COMMITTED_NOT_PROCESSED, f.reason(), null,
                                committedAt, now));
                        lost++;
                    }
                }
            }
        }
        ledger.settle(due, lostOffsets);
        dirty = true;
    }

    /** Names the records receipted again (one finding per further processing of a data record). */
    void lookUpTwice(CommittedLookup lookup, long now) {
        if (twice.isEmpty()) {
            return;
        }
        long first = Long.MAX_VALUE;
        long last = -1;
        for (Twice x : twice) {
            ConsumerLedger.Range r = x.range();
            first = Math.min(first, r.from());
            last = Math.max(last, r.to());
        }
        Map<Long, ConsumerRecord<byte[], byte[]>> records = lookup.read(new TopicPartition(topic, partition),
                first, last + 1);
        for (Twice x : twice) {
            ConsumerLedger.Range r = x.range();
            for (long o = r.from(); o <= r.to(); o++) {
                ConsumerRecord<byte[], byte[]> rec = records.get(o);
                if (rec != null) {
                    findings.add(finding(rec, ConsumerReason.PROCESSED_TWICE, null, x.receipt(),
                            Instant.ofEpochMilli(x.at()).toString(), now));
                    dups++;
                }
            }
        }
        twice.clear();
    }

    private ConsumerFinding finding(ConsumerRecord<byte[], byte[]> rec, ConsumerReason reason,
            String cause, String receipt, String committedAt, long now) {
        Stamp s = HeaderParser.parse(rec.headers());
        byte[] key = rec.key();
        return new ConsumerFinding(ConsumerFinding.idOf(topic, partition, rec.offset(), reason, group, receipt),
                group, topic, partition, rec.offset(), reason, cause, StreamRef.keyText(key),
                key == null ? null : Base64.getEncoder().encodeToString(key), s.valid() ? s.producer() : null,
                s.valid() ? s.epoch() : null, s.valid() ? s.seq() : null,
                Instant.ofEpochMilli(rec.timestamp()).toString(), committedAt, Instant.ofEpochMilli(now).toString());
    }
}

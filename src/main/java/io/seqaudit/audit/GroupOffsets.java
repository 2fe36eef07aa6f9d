package io.seqaudit.audit;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The committed offsets of the audited application groups, asked of Kafka ({@code Admin.listConsumerGroupOffsets},
 * one request for every group) at most once per interval and never waited for: {@link #poll} starts a request when
 * none is out and the interval has passed, and returns its answer once it has come. The auditor's consumer thread
 * only; a failed request is logged at debug level and asked again at the next interval.
 */
final class GroupOffsets {

    private static final Logger LOG = Logger.getLogger(GroupOffsets.class);

    private final Admin admin;
    private final List<String> groups;
    private final long everyMs;
    private Map<String, KafkaFuture<Map<TopicPartition, OffsetAndMetadata>>> inFlight;
    private long next;

    GroupOffsets(Admin admin, List<String> groups, long everyMs) {
        this.admin = admin;
        this.groups = List.copyOf(groups);
        this.everyMs = everyMs;
    }

    /** The answer of the request out, once complete (group → partition → committed offset); else null. */
    Map<String, Map<TopicPartition, Long>> poll(long now) {
        if (inFlight == null) {
            if (now >= next) {
                next = now + everyMs;
                Map<String, ListConsumerGroupOffsetsSpec> specs = new HashMap<>();
                groups.forEach(g -> specs.put(g, new ListConsumerGroupOffsetsSpec()));
                var result = admin.listConsumerGroupOffsets(specs);
                inFlight = new HashMap<>();
                groups.forEach(g -> inFlight.put(g, result.partitionsToOffsetAndMetadata(g)));
            }
            return null;
        }
        if (!inFlight.values().stream().allMatch(KafkaFuture::isDone)) {
            return null;
        }
        Map<String, Map<TopicPartition, Long>> out = new HashMap<>();
        inFlight.forEach((g, f) -> {
            try {
                Map<TopicPartition, Long> offsets = new HashMap<>();
                f.get().forEach((tp, om) -> {
                    if (om != null) {
                        offsets.put(tp, om.offset());
                    }
                });
                out.put(g, offsets);
            } catch (Exception e) {
                LOG.debugf("Committed offsets of group %s not read now: %s", g, e.toString());
            }
        });
        inFlight = null;
        return out;
    }
}

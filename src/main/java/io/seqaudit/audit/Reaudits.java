package io.seqaudit.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.seqaudit.state.StateStore;
import io.seqaudit.state.TopicLayout;
import io.seqaudit.config.KafkaClients;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * The operator's re-audit of a topic: deletes the topic's audit state and gives it a new generation, so every
 * auditor of the group starts the topic again from the earliest offset Kafka still holds. Used after the state
 * was lost (the only way back), or to rebuild findings on purpose. Findings about records already deleted by
 * retention are gone with them. Called on REST worker threads; blocks on Kafka and Redis.
 */
@ApplicationScoped
public class Reaudits {

    /** What a re-audit did: when, who asked, the new generation and the offsets the audit starts from. */
    public record Reaudit(String topic, String generation, String at, String by, Map<Integer, Long> fromOffsets,
            String note) {
    }

    private static final int KEPT = 100;
    private static final String NOTE = "Findings about records that retention already deleted are gone with them; "
            + "streams whose start is gone are taken from where the log starts (joined_late), never reported lost.";

    private final StateStore store;
    private final KafkaClients kafka;
    private final ObjectMapper json;

    public Reaudits(StateStore store, KafkaClients kafka, ObjectMapper json) {
        this.store = store;
        this.kafka = kafka;
        this.json = json;
    }

    /** Re-audits a topic; the auditors take it up within a few seconds. */
    public Reaudit reaudit(String topic, String by) {
        Map<Integer, Long> from = logStart(topic);
        String generation = UUID.randomUUID().toString();
        long now = System.currentTimeMillis();
        TopicLayout layout = store.layout(topic);
        // Shard 0 last: it marks the new generation complete once every shard carries it.
        for (int shard = layout.shards() - 1; shard >= 0; shard--) {
            store.reaudit(layout.shard(shard), generation, now, shard == 0);
        }
        Reaudit r = new Reaudit(topic, generation, Instant.ofEpochMilli(now).toString(), by, from, NOTE);
        store.pushCapped(layout.topicLevel().reaudits(), write(r), KEPT);
        return r;
    }

    /** The topic's re-audits, newest first (the last {@value #KEPT}). */
    public List<Reaudit> list(String topic) {
        return store.listHead(store.keys(topic).reaudits(), KEPT).stream().map(this::read).toList();
    }

    private Map<Integer, Long> logStart(String topic) {
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions()
                    .forEach(p -> specs.put(new TopicPartition(topic, p.partition()), OffsetSpec.earliest()));
            Map<Integer, Long> out = new TreeMap<>();
            admin.listOffsets(specs).all().get(10, TimeUnit.SECONDS)
                    .forEach((tp, info) -> out.put(tp.partition(), info.offset()));
            return out;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the log start of " + topic + " from Kafka: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private String write(Reaudit r) {
        try {
            return json.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Reaudit read(String s) {
        try {
            return json.readValue(s, Reaudit.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}

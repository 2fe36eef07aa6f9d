package io.seqaudit.audit;

import io.seqaudit.metrics.AuditMetrics;
import io.seqaudit.metrics.AuditMetrics.Component;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * What the auditor can reach, as the operator must see it: whether Kafka and Redis answer, and whether each
 * configured topic exists. Shown as gauges ({@code seqaudit_up{component}}, {@code seqaudit_topic_partitions}),
 * in the readiness data, and as one WARN a minute per problem naming the setting to check, instead of a green,
 * silent service (or a client warning per retry). Updated by the consumer thread every second; read by health
 * checks on other threads.
 */
public final class Reachability {

    private static final Logger LOG = Logger.getLogger(Reachability.class);
    /** How long without an answer from the brokers before Kafka counts as unreachable. */
    static final long KAFKA_SILENCE_MS = 15_000;
    private static final long WARN_EVERY_MS = 60_000;

    private final AuditMetrics metrics;
    private final String bootstrap;
    private final String redisHosts;
    private final Map<String, Long> lastWarned = new ConcurrentHashMap<>();
    private volatile boolean kafkaUp = true;
    private volatile boolean redisUp = true;
    private final Map<String, Integer> partitions = new ConcurrentHashMap<>();
    /** Start-up counts as the last answer: the brokers get the same 15 s to answer a fresh auditor. */
    private final long startedAt = System.currentTimeMillis();

    public Reachability(AuditMetrics metrics, String bootstrap, String redisHosts) {
        this.metrics = metrics;
        this.bootstrap = bootstrap;
        this.redisHosts = redisHosts;
    }

    /**
     * One look: {@code kafkaAnsweredAt} is when the brokers last answered (0: never), {@code redisAnswered}
     * whether this second's reads of Redis succeeded, {@code partitionsByTopic} the partitions the brokers know
     * of each audited topic (0: the topic does not exist, or Kafka does not answer).
     */
    void update(long now, long kafkaAnsweredAt, boolean redisAnswered, Map<String, Integer> partitionsByTopic) {
        long answered = Math.max(kafkaAnsweredAt, startedAt);
        kafkaUp = now - answered < KAFKA_SILENCE_MS;
        redisUp = redisAnswered;
        metrics.up(Component.KAFKA, kafkaUp);
        metrics.up(Component.REDIS, redisUp);
        partitionsByTopic.forEach((topic, n) -> {
            partitions.put(topic, n);
            metrics.partitions(topic, n);
        });
        if (!kafkaUp) {
            warn(now, "kafka", "Kafka does not answer at kafka.bootstrap.servers=" + bootstrap + " (nothing for "
                    + (now - answered) / 1000 + " s" + (kafkaAnsweredAt == 0 ? ", never since start" : "")
                    + "): nothing is audited. Check the address and the network");
        }
        if (!redisUp) {
            warn(now, "redis", "Redis does not answer at quarkus.redis.hosts=" + redisHosts
                    + ": nothing is audited (records wait in Kafka, nothing is lost). Check the address and Redis");
        }
        // A fresh consumer may not have the topics' metadata yet: a topic is called missing only after the grace.
        if (kafkaUp && now - startedAt >= KAFKA_SILENCE_MS) {
            partitionsByTopic.forEach((topic, n) -> {
                if (n == 0) {
                    warn(now, "topic " + topic, "Topic " + topic + " of seqaudit.topics does not exist on "
                            + bootstrap + ": it is not audited (the auditor never creates topics). Check the name");
                }
            });
        }
    }

    private void warn(long now, String what, String message) {
        Long last = lastWarned.get(what);
        if (last == null || now - last >= WARN_EVERY_MS) {
            lastWarned.put(what, now);
            LOG.warn(message);
        }
    }

    /** For the readiness data: {@code kafka} and {@code redis} up or down, and each topic's partition count. */
    public Map<String, String> summary() {
        Map<String, String> out = new TreeMap<>();
        out.put("kafka", kafkaUp ? "up" : "down");
        partitions.forEach((topic, n) -> out.put("partitions." + topic, n == 0 ? "none (topic missing?)"
                : Integer.toString(n)));
        return out;
    }
}

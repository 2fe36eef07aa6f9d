package io.seqaudit.audit;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.jboss.logging.Logger;

/**
 * The audited topics' {@link LogPolicy}, read with Admin {@code describeConfigs} on its own daemon thread: every
 * 2 s while a topic's policy is unknown, then every minute (a topic altered to {@code compact} is seen within
 * it). The consumer thread keeps a topic's partitions paused until its policy is known: auditing a compacted
 * topic as if it were not would report every compacted record as lost. A failed read keeps the last values; a
 * read the broker refuses (no DescribeConfigs right) is not waited for: the topic is audited as {@code delete},
 * with a WARN naming the right to grant.
 */
final class LogPolicies implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LogPolicies.class);
    private static final long REFRESH_MS = 60_000;

    private final Admin admin;
    private final List<String> topics;
    private final Map<String, LogPolicy> known = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private long refreshedAt;

    /** Uses {@code admin} without closing it (its owner does). */
    LogPolicies(Admin admin, Collection<String> topics) {
        this.admin = admin;
        this.topics = List.copyOf(topics);
        // A daemon thread of its own, like EndOffsets: these objects live outside CDI (built per auditor start), so
        // the Quarkus Scheduler has no bean to call; the consumer thread must never wait on describeConfigs.
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "seqaudit-log-policies");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::refresh, 0, 2, TimeUnit.SECONDS);
    }

    /** A topic's policy, or null while it is not known (the topic does not exist, or the brokers do not answer). */
    LogPolicy get(String topic) {
        return known.get(topic);
    }

    private void refresh() {
        long now = System.currentTimeMillis();
        if (known.size() == topics.size() && now - refreshedAt < REFRESH_MS) {
            return;
        }
        refreshedAt = now;
        Map<ConfigResource, KafkaFuture<Config>> answers = admin.describeConfigs(topics.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList()).values();
        answers.forEach((resource, future) -> {
            try {
                Config c = future.get(5, TimeUnit.SECONDS);
                LogPolicy p = new LogPolicy(value(c, TopicConfig.CLEANUP_POLICY_CONFIG, "delete"),
                        Long.parseLong(value(c, TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0")));
                LogPolicy before = known.put(resource.name(), p);
                if (!p.equals(before)) {
                    announce(resource.name(), p);
                }
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                if (cause instanceof org.apache.kafka.common.errors.AuthorizationException
                        && !known.containsKey(resource.name())) {
                    // Never a partition paused for ever: audit it as a plain topic, and say what is missing.
                    known.put(resource.name(), LogPolicy.DELETE);
                    LOG.warnf("Cannot read the configuration of topic %s (%s): it is audited as cleanup.policy=delete. "
                            + "If it is compacted, compacted records will be reported lost: allow the auditor's "
                            + "principal DescribeConfigs on the topic", resource.name(), cause.toString());
                } else {
                    LOG.debugf("Cannot read the configuration of topic %s: %s", resource.name(), e.toString());
                }
            }
        });
    }

    private static String value(Config c, String name, String otherwise) {
        ConfigEntry e = c.get(name);
        return e == null || e.value() == null ? otherwise : e.value();
    }

    private static void announce(String topic, LogPolicy p) {
        if (!p.compacted()) {
            LOG.debugf("Topic %s: cleanup.policy=%s", topic, p.cleanupPolicy());
        } else if (p.minCompactionLagMs() <= 0) {
            LOG.warnf("Topic %s is compacted (cleanup.policy=%s) with min.compaction.lag.ms=0: a compacted record "
                    + "cannot be told from a lost one, so seqs missing on it are counted as not audited (outcome "
                    + "resumed, seqaudit_uncovered_seqs_total{reason=\"compacted\"}), never as lost. Set the topic's "
                    + "min.compaction.lag.ms (e.g. 3600000) to have losses found on it", topic, p.cleanupPolicy());
        } else {
            LOG.infof("Topic %s is compacted (cleanup.policy=%s, min.compaction.lag.ms=%d): seqs missing between "
                    + "records read within that lag are audited as on any topic; older ones count as not audited",
                    topic, p.cleanupPolicy(), p.minCompactionLagMs());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}

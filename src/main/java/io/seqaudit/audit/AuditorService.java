package io.seqaudit.audit;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.seqaudit.config.KafkaClients;
import io.seqaudit.config.SeqauditConfig;
import io.seqaudit.metrics.AuditMetrics;
import io.seqaudit.sequence.SequenceDetector;
import io.seqaudit.state.CheckpointLane;
import io.seqaudit.state.RedisSettings;
import io.seqaudit.state.StateReader;
import io.seqaudit.state.StateStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.ConfigProvider;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * Starts and stops the auditor: one consumer thread ({@code seqaudit-auditor}) in the auditor's own consumer
 * group, created from Quarkus's Kafka configuration ({@code kafka.*}, e.g. {@code KAFKA_BOOTSTRAP_SERVERS})
 * with the settings the audit needs forced on top. Scaling out is running more instances: Kafka spreads the
 * partitions, Redis fences stale owners.
 */
@ApplicationScoped
public class AuditorService {

    private static final Logger LOG = Logger.getLogger(AuditorService.class);

    private final SeqauditConfig config;
    private final StateStore store;
    private final StateReader reader;
    private final RedisSettings redisSettings;
    private final AuditMetrics metrics;
    private final KafkaClients kafka;
    private final io.seqaudit.metrics.ConsumerMetrics consumerMetrics;
    private volatile AuditLoop loop;
    private volatile Map<String, TopicAuditor> auditors = Map.of();
    private volatile Thread thread;
    private volatile Reachability reachability;
    /** Used by the consumer thread only; closed once it has stopped. */
    private volatile UncommittedRecords uncommitted;

    public AuditorService(SeqauditConfig config, StateStore store, StateReader reader, RedisSettings redisSettings,
            AuditMetrics metrics, KafkaClients kafka, io.seqaudit.metrics.ConsumerMetrics consumerMetrics) {
        this.consumerMetrics = consumerMetrics;
        this.config = config;
        this.store = store;
        this.reader = reader;
        this.redisSettings = redisSettings;
        this.metrics = metrics;
        this.kafka = kafka;
    }

    void start(@Observes StartupEvent ev) {
        config.topics().forEach(metrics::register);
        if (!config.audit().enabled()) {
            LOG.info("Auditor disabled (seqaudit.audit.enabled=false): serving the API only");
            return;
        }
        SeqauditConfig.Audit a = config.audit();
        SequenceDetector detector = new SequenceDetector(a.maxJump(), a.maxRanges(), config.grace());
        Map<String, TopicAuditor> auditors = new HashMap<>();
        uncommitted = new UncommittedRecords(kafka.settings(KafkaClients.Kind.CONSUMER));
        CheckpointLane lane = store.lane();
        for (String topic : config.topics()) {
            auditors.put(topic, new TopicAuditor(topic, store, detector, metrics, AuditSettings.of(config),
                    uncommitted, lane));
        }
        this.auditors = Map.copyOf(auditors);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties(),
                new ByteArrayDeserializer(), new SkippingDeserializer());
        org.apache.kafka.clients.admin.Admin admin = kafka.admin();
        EndOffsets endOffsets = new EndOffsets(admin, a.tick());
        LogPolicies policies = new LogPolicies(admin, config.topics());
        reachability = new Reachability(metrics,
                kafka.settings(KafkaClients.Kind.CONSUMER).getProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG),
                ConfigProvider.getConfig().getOptionalValue("quarkus.redis.hosts", String.class).orElse("?"));
        BeaconReader beacons = a.beacons() ? new BeaconReader(consumerProperties(), a.beaconTopic(), store, metrics,
                this.auditors) : null;
        loop = new AuditLoop(consumer, beacons, consumerAudit(admin), endOffsets, policies, reader, redisSettings,
                config.state().settingsCheck(), auditors,
                metrics, reachability, a.tick(), a.retryBackoff(), a.startFrom() == SeqauditConfig.StartFrom.LATEST,
                lane, a.checkpointsInFlight());
        thread = new Thread(loop, "seqaudit-auditor");
        thread.start();
        LOG.infof("Auditing topics %s as group %s, grace %s", config.topics(), a.groupId(), config.grace());
    }

    /** The consumer stage, when {@code seqaudit.consumers} names groups; else null (no receipt consumer runs). */
    private ConsumerAudit consumerAudit(org.apache.kafka.clients.admin.Admin admin) {
        java.util.List<String> groups = config.consumers().orElse(java.util.List.of());
        if (groups.isEmpty()) {
            return null;
        }
        SeqauditConfig.Audit a = config.audit();
        LOG.infof("Auditing the processing of groups %s from receipts on %s", groups, a.receiptTopic());
        return new ConsumerAudit(groups, config.grace().toMillis(), Math.max(a.retryBackoff().toMillis(), 100),
                new ReceiptReader(consumerProperties(), a.receiptTopic(), consumerMetrics),
                new GroupOffsets(admin, groups, Math.max(1000, a.tick().toMillis())),
                new CommittedLookup(kafka.settings(KafkaClients.Kind.CONSUMER)),
                new io.seqaudit.state.ConsumerStore(store), consumerMetrics, config.topics(), this::owned);
    }

    /** What the consumer thread's auditors own now, of the topics whose state it audits against. */
    private Map<String, ConsumerAudit.Owned> owned() {
        Map<String, ConsumerAudit.Owned> out = new HashMap<>();
        auditors.forEach((topic, a) -> {
            if (a.identity().status() == TopicIdentity.Status.OK) {
                out.put(topic, new ConsumerAudit.Owned(a.partitions(), a.identity().generation()));
            }
        });
        return out;
    }

    private Properties consumerProperties() {
        Properties p = kafka.settings(KafkaClients.Kind.CONSUMER);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.audit().groupId());
        // Offsets live in Redis with the state they reflect; Kafka's committed offsets are only informative.
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Never reset silently: a position the consumer cannot read on from (a log truncated below it by an
        // unclean election, records deleted by retention) is an exception the loop reports and handles. Where a
        // partition never audited starts (seqaudit.audit.start-from) is applied by seeking.
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(config.audit().maxPollRecords()));
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "seqaudit-auditor");
        // An auditor must never create the topic it audits: a mistyped seqaudit.topics would otherwise become an
        // empty topic and a green, silent auditor.
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // Partitions added to an audited topic are seen within ~30 s rather than the client default of 5 min.
        p.putIfAbsent(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "30000");
        return p;
    }

    /** What the auditor reaches (Kafka, each topic's partitions), for the readiness data; empty when disabled. */
    public Map<String, String> reachability() {
        Reachability r = reachability;
        return r == null ? Map.of() : r.summary();
    }

    /**
     * The consumer stage's receipt topic for the readiness data: {@code "<topic>: readable"} or
     * {@code "<topic>: missing (...)"}; empty when no group is audited (seqaudit.consumers) or the auditor is off.
     */
    public java.util.Optional<String> receiptTopic() {
        if (loop == null || config.consumers().orElse(java.util.List.of()).isEmpty()) {
            return java.util.Optional.empty();
        }
        String topic = config.audit().receiptTopic();
        return java.util.Optional.of(consumerMetrics.receiptTopicPresent() ? topic + ": readable"
                : topic + ": missing or not readable (not created by seqaudit; no consumer-stage loss is reported)");
    }

    /** Whether the consumer thread is running and went round its loop recently. */
    public boolean alive() {
        AuditLoop l = loop;
        return l == null || l.heartbeatAgeMillis() < 120_000;
    }

    /** A short status for the readiness check: {@code disabled}, {@code running}, or the last failure. */
    public String status() {
        AuditLoop l = loop;
        return l == null ? "disabled" : l.status();
    }

    /**
     * Per audited topic, the state of its audit state in Redis: {@code ok}, {@code unknown} (not checked yet), or
     * {@code lost: <what is wrong and what to do>}.
     */
    public Map<String, String> topicStates() {
        Map<String, String> out = new java.util.TreeMap<>();
        auditors.forEach((topic, a) -> out.put(topic, switch (a.identity().status()) {
            case OK -> "ok";
            case UNKNOWN -> "unknown";
            case LOST -> "lost: " + a.identity().problem();
        }));
        return out;
    }

    void stop(@Observes ShutdownEvent ev) {
        AuditLoop l = loop;
        if (l != null) {
            l.stop();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            uncommitted.close();
        }
    }
}

package io.seqaudit.receipt.smallrye;

import io.seqaudit.receipt.ProcessingReceipts;
import io.seqaudit.receipt.ReceiptSettings;
import io.smallrye.reactive.messaging.IncomingInterceptor;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processing receipts for SmallRye Reactive Messaging applications (README, "Processing receipts"): for the Kafka
 * channels named in {@value #CHANNELS}, an acknowledged message is a processed receipt and a negatively
 * acknowledged one a failed receipt, whose reason is the failure's class. No application code changes: the
 * receipts jar on the class path (its beans.xml makes this a bean) and the property are all it takes. A batch
 * channel ({@code batch=true}) gets a receipt for each record of a batch acked or nacked.
 *
 * <p>SmallRye binds an incoming interceptor to a channel by {@code @Identifier(channel)}, which a library cannot
 * know; a bean without it (this one) is the interceptor of every connector channel that has none of its own, so
 * it records only the channels listed. A channel with an {@code @Identifier} interceptor of the application gets
 * that one instead (SmallRye runs one per channel): such an application calls {@link ProcessingReceipts} itself.
 *
 * <p>Each listed channel gets a {@link ProcessingReceipts} at its first message, built from the channel's Kafka
 * consumer configuration as SmallRye made it (group.id, bootstrap and security settings; {@link KafkaClientService})
 * plus the {@code seqaudit.receipts.*} properties of the application's configuration.
 *
 * <p>Threads: SmallRye calls {@link #onMessageAck} and {@link #onMessageNack} on the threads that complete the
 * (n)ack, often a Vert.x event loop; they take a short lock and never block on the network or throw. A channel
 * whose receipts cannot be set up (no group id, say) is logged once and left without receipts.
 */
@Singleton
public class ReceiptsIncomingInterceptor implements IncomingInterceptor {

    /** The channels whose messages get receipts, comma-separated; none by default. */
    public static final String CHANNELS = "seqaudit.receipts.channels";
    private static final Logger LOG = LoggerFactory.getLogger(ReceiptsIncomingInterceptor.class);

    private final Config config;
    private final Instance<KafkaClientService> clients;
    private final Set<String> channels;
    /** The receipts of each channel; empty for a channel whose receipts could not be set up. */
    private final Map<String, Optional<ProcessingReceipts>> receipts = new ConcurrentHashMap<>();

    @Inject
    public ReceiptsIncomingInterceptor(Config config, Instance<KafkaClientService> clients) {
        this.config = config;
        this.clients = clients;
        this.channels = config.getOptionalValue(CHANNELS, String.class).map(v -> Arrays.stream(v.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet()))
                .orElse(Set.of());
        if (!channels.isEmpty()) {
            LOG.info("seqaudit processing receipts for the channels {}", channels);
        }
    }

    @Override
    public void onMessageAck(Message<?> message) {
        each(message, (r, topic, partition, offset) -> r.processed(topic, partition, offset));
    }

    @Override
    public void onMessageNack(Message<?> message, Throwable failure) {
        String reason = ProcessingReceipts.reason(failure);
        each(message, (r, topic, partition, offset) -> r.failed(topic, partition, offset, reason));
    }

    /** What to record of one record. */
    @FunctionalInterface
    private interface Outcome {
        void record(ProcessingReceipts receipts, String topic, int partition, long offset);
    }

    /**
     * Records {@code outcome} for the record of a listed channel's message, or for every record of a batch
     * (a channel with {@code batch=true}: the application acks or nacks the batch as a whole).
     */
    private void each(Message<?> message, Outcome outcome) {
        if (channels.isEmpty()) {
            return;
        }
        IncomingKafkaRecordMetadata<?, ?> m = message.getMetadata(IncomingKafkaRecordMetadata.class).orElse(null);
        if (m != null) {
            if (channels.contains(m.getChannel())) {
                receiptsOf(m.getChannel()).ifPresent(r -> outcome.record(r, m.getTopic(), m.getPartition(),
                        m.getOffset()));
            }
            return;
        }
        IncomingKafkaRecordBatchMetadata<?, ?> b = message.getMetadata(IncomingKafkaRecordBatchMetadata.class)
                .orElse(null);
        if (b != null && channels.contains(b.getChannel())) {
            receiptsOf(b.getChannel()).ifPresent(r -> {
                for (ConsumerRecord<?, ?> c : b.getRecords()) {
                    outcome.record(r, c.topic(), c.partition(), c.offset());
                }
            });
        }
    }

    private Optional<ProcessingReceipts> receiptsOf(String channel) {
        Optional<ProcessingReceipts> r = receipts.get(channel);
        return r != null ? r : receipts.computeIfAbsent(channel, this::create);
    }

    private Optional<ProcessingReceipts> create(String channel) {
        try {
            Map<String, Object> configs = new HashMap<>(consumerConfiguration(channel));
            // Looked up by name, not found by listing: SEQAUDIT_RECEIPTS_TOPIC and the like count too.
            for (String name : List.of(ReceiptSettings.TOPIC, ReceiptSettings.INTERVAL, ReceiptSettings.MAX_PENDING,
                    ReceiptSettings.CLIENT)) {
                config.getOptionalValue(name, String.class).ifPresent(v -> configs.put(name, v));
            }
            ProcessingReceipts r = new ProcessingReceipts(configs);
            LOG.info("seqaudit processing receipts of channel {} (group {}) go to {}", channel, r.settings().group(),
                    r.settings().topic());
            return Optional.of(r);
        } catch (RuntimeException e) {
            LOG.warn("seqaudit: no processing receipts for channel {}: {}", channel, e.toString());
            return Optional.empty();
        }
    }

    /**
     * The channel's Kafka consumer configuration as SmallRye built it (so the group id is the one SmallRye uses,
     * even a default); from the channel's properties if the client service is not there.
     */
    private Map<String, ?> consumerConfiguration(String channel) {
        if (clients.isResolvable()) {
            KafkaConsumer<Object, Object> consumer = clients.get().getConsumer(channel);
            if (consumer != null) {
                return consumer.configuration();
            }
        }
        Map<String, Object> m = new HashMap<>();
        String prefix = "mp.messaging.incoming." + channel + ".";
        for (String name : config.getPropertyNames()) {
            if (name.startsWith("kafka.")) {
                config.getOptionalValue(name, String.class).ifPresent(v -> m.putIfAbsent(name.substring(6), v));
            }
        }
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(prefix)) {
                config.getOptionalValue(name, String.class).ifPresent(v -> m.put(name.substring(prefix.length()), v));
            }
        }
        return m;
    }

    /** Sends every channel's last receipts and closes their producers. */
    @PreDestroy
    void close() {
        receipts.values().forEach(r -> r.ifPresent(ProcessingReceipts::close));
    }
}

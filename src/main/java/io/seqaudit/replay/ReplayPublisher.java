package io.seqaudit.replay;

import io.seqaudit.config.KafkaClients;
import io.seqaudit.config.SeqauditConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes a replay's records in one Kafka transaction with an idempotent producer ({@code acks=all}). The
 * auditor reads {@code read_committed}, so a replay cut short by a crash is never seen; the restarted replayer
 * (same transactional id) fences its former self and aborts what was left open. {@link #publish} is called by
 * the replayer's scheduled tick (one at a time); {@link #close} runs on the shutdown thread after
 * {@code ReplayService.stop} waited for the tick in flight. The producer field is guarded by this object's lock.
 * Throws {@link KafkaException} when publishing failed: nothing of the batch is visible then.
 */
@ApplicationScoped
public class ReplayPublisher {

    private final KafkaClients kafka;
    private final String transactionalId;
    private KafkaProducer<byte[], byte[]> producer;

    public ReplayPublisher(KafkaClients kafka, SeqauditConfig config) {
        this.kafka = kafka;
        this.transactionalId = config.replay().transactionalId().orElseGet(() -> "seqaudit-replayer-" + host());
    }

    /** The transactional id: stable across restarts of this instance. */
    public String transactionalId() {
        return transactionalId;
    }

    /** Publishes all records atomically. */
    public void publish(List<ProducerRecord<byte[], byte[]>> records) {
        KafkaProducer<byte[], byte[]> p = producer();
        try {
            p.beginTransaction();
            records.forEach(p::send);
            p.commitTransaction();
        } catch (ProducerFencedException e) {
            close(); // another instance took our transactional id: start afresh next time
            throw e;
        } catch (KafkaException e) {
            try {
                p.abortTransaction();
            } catch (KafkaException abort) {
                close();
            }
            throw e;
        }
    }

    private synchronized KafkaProducer<byte[], byte[]> producer() {
        if (producer == null) {
            Properties props = kafka.settings(KafkaClients.Kind.PRODUCER);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            props.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId);
            KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props, new ByteArraySerializer(),
                    new ByteArraySerializer());
            p.initTransactions();
            producer = p;
        }
        return producer;
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }
}

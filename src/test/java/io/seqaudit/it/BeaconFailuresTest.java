package io.seqaudit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.seqaudit.stamp.SequenceStampingInterceptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

/**
 * A beacon that cannot be sent never fails or blocks the application's sends: it is counted and retried with the
 * next one. Against the real broker; the beacon topic's name is one Kafka refuses.
 */
class BeaconFailuresTest {

    /** The real interceptor, remembering each instance Kafka configured. */
    public static class Capturing extends SequenceStampingInterceptor<Object, Object> {
        static final ConcurrentLinkedQueue<Capturing> CONFIGURED = new ConcurrentLinkedQueue<>();

        @Override
        public void configure(Map<String, ?> configs) {
            super.configure(configs);
            CONFIGURED.add(this);
        }
    }

    @Test
    void beaconsThatCannotBeSentAreCountedAndTheApplicationsSendsStillSucceed() throws Exception {
        String topic = "beacon-failures-" + UUID.randomUUID().toString().substring(0, 8);
        KafkaSupport.createTopic(topic, 1);
        Capturing.CONFIGURED.clear();
        try (KafkaProducer<String, String> p = KafkaSupport.producer(Capturing.class.getName(), Map.of(
                "seqaudit.beacon.topic", "not a valid topic!", "seqaudit.beacon.interval", "100ms"))) {
            Capturing interceptor = Capturing.CONFIGURED.peek();
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                sends.add(p.send(new ProducerRecord<>(topic, "k" + (i % 4), "v" + i)));
            }
            for (Future<RecordMetadata> f : sends) {
                assertThat(f.get(30, TimeUnit.SECONDS).offset()).isNotNegative();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> interceptor.getBeaconFailures() >= 2);
            assertThat(interceptor.getBeaconsSent()).isZero();
            assertThat(interceptor.getStampedCount()).isEqualTo(20);
        }
    }
}

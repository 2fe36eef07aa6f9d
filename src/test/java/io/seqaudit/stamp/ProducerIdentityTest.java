package io.seqaudit.stamp;

import static io.seqaudit.stamp.StampTestSupport.HOST;
import static io.seqaudit.stamp.StampTestSupport.START_MS;
import static io.seqaudit.stamp.StampTestSupport.record;
import static io.seqaudit.stamp.StampTestSupport.stampOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import io.seqaudit.stamp.StampTestSupport.Stamp;

/** Who a producer stamps as: no two producers of one process ever share a stream, with or without settings. */
class ProducerIdentityTest {

    private static final String ID = SequenceStampingInterceptor.PRODUCER_ID_CONFIG;

    /** One process: every interceptor made here shares its epochs and live ids; the clock never moves. */
    private final ProcessIdentity process = new ProcessIdentity(4242L, "test");

    private SequenceStampingInterceptor<Object, Object> producer(Object... keyValues) {
        Map<String, Object> configs = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            configs.put((String) keyValues[i], keyValues[i + 1]);
        }
        var interceptor = new SequenceStampingInterceptor<Object, Object>(() -> START_MS, () -> HOST, process);
        interceptor.configure(configs);
        return interceptor;
    }

    @Test
    void explicitIdHeldByAnOpenProducerIsRefusedWithAnErrorNamingTheSetting() {
        var holder = producer(ID, "billing", StampingConfig.CLIENT_ID, "producer-1");
        var second = new SequenceStampingInterceptor<Object, Object>(() -> START_MS, () -> HOST, process);

        assertThatThrownBy(() -> second.configure(Map.of(ID, "billing", StampingConfig.CLIENT_ID, "producer-2")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("seqaudit.producer.id 'billing' is already used")
                .hasMessageContaining("client.id 'producer-2'");
        assertThat(second.getProducerId()).isNull(); // not configured: it would stamp nothing
        assertThat(holder.getProducerId()).isEqualTo("billing");
    }

    @Test
    void explicitIdIsFreedWhenItsProducerClosesAndTheNextOneTakesAHigherEpoch() {
        var first = producer(ID, "billing");
        long firstEpoch = stampOf(first.onSend(record("t", "k"))).epoch();
        first.close();

        var recreated = producer(ID, "billing");

        Stamp stamp = stampOf(recreated.onSend(record("t", "k")));
        assertThat(stamp.producer()).isEqualTo("billing");
        assertThat(stamp.epoch()).isGreaterThan(firstEpoch);
        assertThat(stamp.seq()).isZero();
    }

    @Test
    void refusedProducerClosingDoesNotFreeTheHoldersId() {
        producer(ID, "billing");
        var refused = new SequenceStampingInterceptor<Object, Object>(() -> START_MS, () -> HOST, process);
        assertThatThrownBy(() -> refused.configure(Map.of(ID, "billing"))).isInstanceOf(ConfigException.class);
        refused.close(); // Kafka closes the interceptors of a producer it failed to build

        assertThatThrownBy(() -> producer(ID, "billing")).isInstanceOf(ConfigException.class);
    }

    @Test
    void distinctExplicitIdsAndDefaultIdsCoexist() {
        var billing = producer(ID, "billing");
        var shipping = producer(ID, "shipping");
        var a = producer(StampingConfig.CLIENT_ID, "producer-1");
        var b = producer(StampingConfig.CLIENT_ID, "producer-2");

        assertThat(List.of(billing.getProducerId(), shipping.getProducerId(), a.getProducerId(), b.getProducerId()))
                .containsExactly("billing", "shipping", "test-host/4242-test/producer-1",
                        "test-host/4242-test/producer-2");
    }

    @Test
    void producersCreatedInTheSameMillisecondTakeStrictlyIncreasingEpochs() {
        List<Long> epochs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            epochs.add(producer().getBaseEpoch());
        }

        // The clock is stuck at START_MS: each producer takes the last epoch of the process + 1.
        assertThat(epochs).containsExactly(START_MS, START_MS + 1, START_MS + 2, START_MS + 3, START_MS + 4,
                START_MS + 5, START_MS + 6, START_MS + 7);
    }

    @Test
    void configuredEpochIsKeptAndDefaultEpochsOfTheProcessStayUnique() {
        assertThat(producer(SequenceStampingInterceptor.EPOCH_CONFIG, "7").getBaseEpoch()).isEqualTo(7);
        assertThat(producer().getBaseEpoch()).isEqualTo(START_MS);
        assertThat(producer().getBaseEpoch()).isEqualTo(START_MS + 1);
    }

    @Test
    void producersWithOneClientIdNeverShareAStreamEvenWhileEvictingKeys() {
        // The same client.id gives both the same default id; epochs, including those evictions advance to, come
        // from the one process, so the two still never stamp one (key, epoch, seq) twice.
        var a = producer(StampingConfig.CLIENT_ID, "app", SequenceStampingInterceptor.MAX_KEYS_CONFIG, 2);
        var b = producer(StampingConfig.CLIENT_ID, "app", SequenceStampingInterceptor.MAX_KEYS_CONFIG, 2);
        assertThat(a.getProducerId()).isEqualTo(b.getProducerId());

        Set<Stamp> seen = new HashSet<>();
        int sent = 0;
        for (int round = 0; round < 50; round++) {
            for (var p : List.of(a, b)) {
                Stamp s = stampOf(p.onSend(record("t", "k" + (round % 5))));
                assertThat(seen.add(new Stamp(s.producer() + "#k" + (round % 5), s.epoch(), s.seq())))
                        .as("stamp %s of key k%s given twice", s, round % 5).isTrue();
                sent++;
            }
        }
        assertThat(seen).hasSize(sent);
        assertThat(a.getEvictionCount() + b.getEvictionCount()).isPositive();
    }

    @Test
    void defaultIdFitsTheContractKeepingTheProcessPartAndTheEndOfTheClientId() {
        String host = "h\u00f4st-".repeat(60);
        String clientId = "channel-\u00e9-".repeat(10) + "producer-12";

        String id = process.defaultProducerId(host, clientId);

        assertThat(id).hasSize(SeqauditHeaders.MAX_PRODUCER_ID_LENGTH).matches(SeqauditHeaders::isValidProducerId)
                .startsWith("h_st-h_st-").contains("/4242-test/")
                .endsWith(clientId.substring(clientId.length() - ProcessIdentity.MAX_CLIENT_ID_PART)
                        .replace('\u00e9', '_'));
        assertThat(process.defaultProducerId(null, null)).isEqualTo("unknown-host/4242-test");
    }

    @Test
    void kafkaHandsEachProducerItsOwnClientIdSoDefaultIdsDiffer() {
        Recording.CONFIGURED.clear();
        try (var p1 = kafkaProducer(Map.of()); var p2 = kafkaProducer(Map.of())) {
            assertThat(Recording.CONFIGURED).hasSize(2);
            Set<String> ids = new HashSet<>();
            Recording.CONFIGURED.forEach(i -> ids.add(i.getProducerId()));
            assertThat(ids).hasSize(2).allMatch(id -> id.matches(".+/" + ProcessHandle.current().pid()
                    + "-[0-9a-z]+/producer-[0-9]+"));
        }
    }

    @Test
    void kafkaRefusesToBuildASecondOpenProducerWithTheSameExplicitIdAndAcceptsItAfterTheFirstCloses() {
        String id = "shared-" + UUID.randomUUID();
        try (var first = kafkaProducer(Map.of(ID, id))) {
            assertThatThrownBy(() -> kafkaProducer(Map.of(ID, id)))
                    .isInstanceOf(KafkaException.class)
                    .hasRootCauseInstanceOf(ConfigException.class)
                    .rootCause().hasMessageContaining("seqaudit.producer.id '" + id + "' is already used");
        }
        try (var recreated = kafkaProducer(Map.of(ID, id))) {
            assertThat(recreated).isNotNull();
        }
    }

    /** A real producer (never connected: nothing is sent) with a recording interceptor. */
    private static KafkaProducer<String, String> kafkaProducer(Map<String, Object> extra) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, Recording.class.getName());
        p.putAll(extra);
        return new KafkaProducer<>(p);
    }

    /** The real interceptor, remembering each instance Kafka configured. */
    public static class Recording extends SequenceStampingInterceptor<Object, Object> {
        static final ConcurrentLinkedQueue<Recording> CONFIGURED = new ConcurrentLinkedQueue<>();

        @Override
        public void configure(Map<String, ?> configs) {
            super.configure(configs);
            CONFIGURED.add(this);
        }
    }
}

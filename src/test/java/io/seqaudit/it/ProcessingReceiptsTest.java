package io.seqaudit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import io.seqaudit.receipt.ProcessingReceipts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The plain-Java receipts client against the real broker: what an application loop processed and failed is on
 * the receipt topic, exactly, as kcat reads it; close() sends the tail; receipts the broker refused are kept and
 * sent once (not twice) when it takes them, a partition's receipts in their order; a receipt topic that cannot be written never blocks or fails the
 * processing, and what it costs is counted.
 */
class ProcessingReceiptsTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    /** A consumer's properties, as an application has them, plus the receipt settings. */
    private static Properties consumerProperties(String group, Map<String, String> receipts) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaSupport.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.putAll(receipts);
        return p;
    }

    private static void produce(String topic, int records) {
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            for (int i = 0; i < records; i++) {
                p.send(new ProducerRecord<>(topic, "k" + (i % 5), i % 9 == 4 ? "poison" : "v" + i));
            }
        }
    }

    /**
     * An application loop: processes every record of {@code topic}, failing on the "poison" ones, reports each to
     * {@code receipts}, commits after each poll.
     *
     * @return what it reported: "group/topic/partition@offset" → "processed" or the failure's exception class
     */
    private static Map<String, List<String>> consume(Properties props, String topic, int records,
            ProcessingReceipts receipts) {
        Map<String, List<String>> reported = new TreeMap<>();
        String group = props.getProperty(ConsumerConfig.GROUP_ID_CONFIG);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            int seen = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen < records && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    String id = group + "/" + r.topic() + "/" + r.partition() + "@" + r.offset();
                    try {
                        if (r.value().equals("poison")) {
                            throw new IllegalStateException("cannot process " + r.offset());
                        }
                        receipts.processed(r);
                        reported.computeIfAbsent(id, k -> new ArrayList<>()).add("processed");
                    } catch (IllegalStateException e) {
                        receipts.failed(r, e);
                        reported.computeIfAbsent(id, k -> new ArrayList<>()).add(e.getClass().getName());
                    }
                    seen++;
                }
                consumer.commitSync();
            }
            assertThat(seen).isEqualTo(records);
        }
        return reported;
    }

    @Test
    void theReceiptTopicHoldsExactlyTheOffsetsTheApplicationProcessedAndFailed() throws Exception {
        String topic = "receipts-app-" + RUN;
        String receiptTopic = "receipts-" + RUN;
        KafkaSupport.createTopic(topic, 3);
        KafkaSupport.createTopic(receiptTopic, 2);
        int records = 90;
        produce(topic, records);
        Properties props = consumerProperties("app-" + RUN, Map.of("seqaudit.receipts.topic", receiptTopic,
                "seqaudit.receipts.interval", "200ms"));
        try (ProcessingReceipts receipts = new ProcessingReceipts(props)) {
            Map<String, List<String>> reported = consume(props, topic, records, receipts);
            assertThat(reported.values().stream().filter(v -> !v.equals(List.of("processed")))).hasSize(10);
            // Sent by the timer, while the application runs on.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(ReceiptsOnTheTopic.told(receiptTopic)).isEqualTo(reported));
            assertThat(receipts.getSendFailures()).isZero();
            assertThat(receipts.getDropped()).isZero();
        }
    }

    @Test
    void closeSendsTheReceiptsNotSentYet() throws Exception {
        String topic = "receipts-tail-" + RUN;
        String receiptTopic = "receipts-tail-r-" + RUN;
        KafkaSupport.createTopic(topic, 2);
        KafkaSupport.createTopic(receiptTopic, 1);
        int records = 40;
        produce(topic, records);
        // The timer would wait an hour: only close() sends.
        Properties props = consumerProperties("tail-" + RUN, Map.of("seqaudit.receipts.topic", receiptTopic,
                "seqaudit.receipts.interval", "3600s"));
        ProcessingReceipts receipts = new ProcessingReceipts(props);
        Map<String, List<String>> reported = consume(props, topic, records, receipts);
        assertThat(receipts.getSent()).isZero();
        receipts.close();
        assertThat(receipts.getSent()).isPositive();
        assertThat(ReceiptsOnTheTopic.told(receiptTopic)).isEqualTo(reported);
        receipts.processed(topic, 0, 1000); // after close: not sent, counted
        assertThat(receipts.getDropped()).isEqualTo(1);
    }

    @Test
    void receiptsTheBrokerRefusedAreKeptAndSentOnceItTakesThem() throws Exception {
        String receiptTopic = "receipts-small-" + RUN;
        // Messages of at most 64 bytes: every receipt is refused (RecordTooLargeException) until the limit is raised.
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaSupport.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(receiptTopic, 1, (short) 1).configs(Map.of(
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "64")))).all().get(30, TimeUnit.SECONDS);
            Properties props = consumerProperties("small-" + RUN, Map.of("seqaudit.receipts.topic", receiptTopic,
                    "seqaudit.receipts.interval", "100ms"));
            Map<String, List<String>> reported = new TreeMap<>();
            try (ProcessingReceipts receipts = new ProcessingReceipts(props)) {
                for (int o = 0; o < 10; o++) {
                    receipts.processed("orders", 0, o);
                    reported.put("small-" + RUN + "/orders/0@" + o, List.of("processed"));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> receipts.getSendFailures() >= 2);
                receipts.failed("orders", 1, 3, "com.example.Boom");
                reported.put("small-" + RUN + "/orders/1@3", List.of("com.example.Boom"));
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, receiptTopic),
                        List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "1048588"),
                                AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(ReceiptsOnTheTopic.told(receiptTopic)).isEqualTo(reported));
                assertThat(receipts.getPending()).isZero();
                assertThat(receipts.getDropped()).isZero();
            }
        }
    }

    @Test
    void aPartitionsReceiptsArriveInTheirOrderEvenWhenAnEarlierOneIsRefused() throws Exception {
        String receiptTopic = "receipts-order-" + RUN;
        String group = "order-" + RUN;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaSupport.bootstrap()))) {
            // Messages of at most 400 bytes: the large receipt below is refused, the small one would pass.
            admin.createTopics(List.of(new NewTopic(receiptTopic, 1, (short) 1).configs(Map.of(
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "400")))).all().get(30, TimeUnit.SECONDS);
            // Only flush() sends.
            Properties props = consumerProperties(group, Map.of("seqaudit.receipts.topic", receiptTopic,
                    "seqaudit.receipts.interval", "3600s"));
            Map<String, List<String>> reported = new TreeMap<>();
            try (ProcessingReceipts receipts = new ProcessingReceipts(props)) {
                for (int o = 0; o < 60; o += 2) { // 30 failed ranges: a receipt of about 900 bytes
                    receipts.failed("orders", 0, o, "com.example.Fail");
                    reported.put(group + "/orders/0@" + o, new ArrayList<>(List.of("com.example.Fail")));
                }
                receipts.processed("orders", 0, 0); // recovered: a second receipt, small, of the same partition
                reported.get(group + "/orders/0@0").add("processed");
                receipts.flush();
                assertThat(receipts.getSendFailures()).isEqualTo(1);
                assertThat(ReceiptsOnTheTopic.kcat(receiptTopic)).as("the small one waits behind the large one")
                        .isEmpty();
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, receiptTopic),
                        List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "1048588"),
                                AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    receipts.flush();
                    assertThat(receipts.getPending()).isZero();
                });
                assertThat(ReceiptsOnTheTopic.told(receiptTopic)).isEqualTo(reported);
            }
        }
    }

    @Test
    void aReceiptTopicThatCannotBeWrittenNeverBlocksTheProcessingAndWhatItCostsIsCounted() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", KafkaSupport.bootstrap());
        props.put("group.id", "refused-" + RUN);
        props.put("seqaudit.receipts.topic", "not a valid topic!");
        props.put("seqaudit.receipts.interval", "100ms");
        props.put("seqaudit.receipts.max-pending", "5");
        ProcessingReceipts receipts = new ProcessingReceipts(props);
        int offsets = 40;
        long started = System.nanoTime();
        for (int o = 0; o < offsets; o += 2) { // 20 offsets, none adjacent: 20 ranges against a bound of 5
            receipts.processed("orders", 0, o);
        }
        receipts.failed("orders", 1, 7, "java.lang.IllegalStateException");
        // Calls that mean nothing are ignored (logged once), never thrown into the application.
        assertThatCode(() -> {
            receipts.processed(null);
            receipts.failed(null, new IllegalStateException());
            receipts.processed("orders", -1, 3);
            receipts.processed("orders", 0, -3);
        }).doesNotThrowAnyException();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(30)).until(() -> receipts.getSendFailures() >= 2);
        assertThat(receipts.getSent()).isZero();
        // Bounded, and not all dropped. Awaited: while an attempt is in flight its ranges are out of the batcher (0
        // pending) and go back when it fails, so a single read can fall in that window.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .untilAsserted(() -> assertThat(receipts.getPending()).isBetween(1L, 5L));
        assertThat(receipts.getDropped()).isGreaterThanOrEqualTo(16);
        receipts.close();
        // Every offset reported is either dropped by the bound or left unsent at close: all are counted.
        assertThat(receipts.getDropped()).isEqualTo(offsets / 2 + 1);
    }
}

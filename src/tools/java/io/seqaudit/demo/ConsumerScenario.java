package io.seqaudit.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.seqaudit.stamp.SequenceStampingInterceptor;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The demo's consumer stage (README, "Processing receipts"): stamped records on a one-partition topic of their own,
 * consumed by two application groups of {@link ConsumerApp}: one commits before processing and fails for the
 * records its fault rule picks (committed but not processed), the other processes before committing and is killed
 * with SIGKILL as a process of its own, then a second member of its group processes the uncommitted records again
 * (processed twice). Expected (key#seq) sets come from the records read back and the fault rule, never from the
 * service. Runs on the caller's thread; throws if a step fails (the demo then fails).
 */
public record ConsumerScenario(String topic, String receiptTopic, String commitFirstGroup, String processFirstGroup,
        int records, int modulo, int committed, int uncommitted) {

    /** Refuses a scenario whose process-first member could not reach its uncommitted records. */
    public ConsumerScenario {
        if (records < committed + uncommitted || modulo < 2) {
            throw new IllegalArgumentException("the consumer scenario needs at least " + (committed + uncommitted)
                    + " records and a modulo of 2 or more");
        }
    }

    private static final List<String> KEYS = List.of("a", "bb", "ccc", "dddd", "eeeee");

    /** What the scenario injected, as "key#seq". */
    public record Injected(Set<String> committedNotProcessed, Set<String> processedTwice) {
    }

    /** Creates the topic and the receipt topic if they are missing. */
    public void createTopics(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Set<String> existing = admin.listTopics().names().get();
            for (String t : List.of(topic, receiptTopic)) {
                if (!existing.contains(t)) {
                    admin.createTopics(List.of(new NewTopic(t, 1, (short) 1))).all().get();
                }
            }
        }
    }

    /** Produces, runs both groups (the second one killed once), and answers what was injected. */
    public Injected run(String bootstrap) throws Exception {
        try (KafkaProducer<String, String> p = TrafficSender.producer(bootstrap, Map.of(
                ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, SequenceStampingInterceptor.class.getName(),
                SequenceStampingInterceptor.PRODUCER_ID_CONFIG, "demo-consumers"))) {
            for (int i = 0; i < records; i++) {
                p.send(new ProducerRecord<>(topic, 0, KEYS.get(i % KEYS.size()), "v" + i));
            }
        }
        Set<String> lost = new TreeSet<>();
        Set<String> twice = new TreeSet<>();
        for (ConsumerRecord<String, String> r : readBack(bootstrap)) {
            long seq = ConsumerApp.seq(r);
            if (ConsumerApp.fails(r.key(), seq, modulo)) {
                lost.add(r.key() + "#" + seq);
            }
            if (r.offset() >= committed && r.offset() < committed + uncommitted) {
                twice.add(r.key() + "#" + seq);
            }
        }
        ConsumerApp.run(bootstrap, topic, commitFirstGroup, ConsumerApp.Mode.COMMIT_FIRST, modulo, records,
                receiptTopic);
        killedAfterProcessing(bootstrap);
        ConsumerApp.run(bootstrap, topic, processFirstGroup, ConsumerApp.Mode.NORMAL, 0, records - committed,
                receiptTopic);
        return new Injected(lost, twice);
    }

    /**
     * Whether the auditor watches both groups on the topic. It must before they commit: a group first seen with a
     * commit is watched from there, so what it committed before would never be checked.
     */
    public boolean watched(DemoReport report) {
        for (String g : List.of(commitFirstGroup, processFirstGroup)) {
            if (report.get("/api/v1/consumers?group=" + g + "&topic=" + topic).path(0).path("partitions").isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** The table's two rows: "group/key#seq" sets, so a finding for the wrong group or reason is a mismatch. */
    public List<DemoReport.Row> rows(DemoReport report, Injected injected) {
        Set<String> lost = detected(report, "committed_not_processed");
        Set<String> twice = detected(report, "processed_twice");
        Set<String> lostExpected = prefixed(commitFirstGroup, injected.committedNotProcessed());
        Set<String> twiceExpected = prefixed(processFirstGroup, injected.processedTwice());
        return List.of(
                new DemoReport.Row("committed but not processed (consumer)", lostExpected.size(), lost.size(),
                        lost.equals(lostExpected)),
                new DemoReport.Row("processed twice (consumer, kill -9)", twiceExpected.size(), twice.size(),
                        twice.equals(twiceExpected)));
    }

    /** "group/key#seq" of the topic's consumer-stage findings with {@code reason}, from the REST API. */
    private Set<String> detected(DemoReport report, String reason) {
        Set<String> out = new TreeSet<>();
        for (JsonNode g : report.all("/api/v1/gaps?limit=1000&stage=consumer&topic=" + topic)) {
            if (reason.equals(g.path("reason").asText())) {
                for (long s = g.path("fromSeq").asLong(); s <= g.path("toSeq").asLong(); s++) {
                    out.add(g.path("group").asText() + "/" + g.path("key").asText() + "#" + s);
                }
            }
        }
        return out;
    }

    private static Set<String> prefixed(String group, Set<String> keySeqs) {
        Set<String> out = new TreeSet<>();
        keySeqs.forEach(k -> out.add(group + "/" + k));
        return out;
    }

    private void killedAfterProcessing(String bootstrap) throws Exception {
        File log = Files.createTempFile("demo-consumer-app-", ".log").toFile();
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        Process app = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ConsumerApp.class.getName(), bootstrap, topic, processFirstGroup, "process-first",
                String.valueOf(committed), String.valueOf(uncommitted), receiptTopic).redirectError(log).start();
        List<String> out = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(app.getInputStream(),
                    StandardCharsets.UTF_8))) {
                in.lines().forEach(out::add);
            } catch (IOException | UncheckedIOException e) {
                // killed: nothing more to read
            }
        }, "demo-consumer-app-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!TrafficGenerator.waitFor(() -> out.contains("READY") || !app.isAlive(), 60_000)
                    || !out.contains("READY")) {
                throw new IllegalStateException("the process-first application did not get READY (log " + log + ")");
            }
        } finally {
            app.destroyForcibly(); // SIGKILL: what it processed since its last commit is not committed
        }
        if (app.waitFor() != 137) {
            throw new IllegalStateException("the process-first application did not die by SIGKILL: exit "
                    + app.exitValue());
        }
    }

    private List<ConsumerRecord<String, String>> readBack(String bootstrap) throws InterruptedException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            if (!TrafficGenerator.waitFor(() -> {
                c.poll(java.time.Duration.ofMillis(200)).forEach(out::add);
                return out.size() >= records;
            }, 60_000)) {
                throw new IllegalStateException("read back " + out.size() + " of " + records + " records");
            }
        }
        return out;
    }
}

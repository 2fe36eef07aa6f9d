package io.seqaudit.demo;

import io.seqaudit.stamp.SequenceStampingInterceptor;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The loss nobody sees in the log: streams whose last 1 to 5 records never reach the topic, and one stream whose
 * every record is lost. Only the producer's beacons can tell the auditor (README, "Beacons"). The records are
 * stamped, then sent to the void topic by {@link DroppingInterceptor} (placed after the stamping interceptor), so
 * the producer knows each one's outcome: it never reached its topic.
 *
 * @param keys streams with a lost tail, plus one wholly lost
 * @param perKey records per stream
 */
record TailTraffic(int keys, int perKey) {

    /** "key#seq" of every seq this traffic loses. */
    Set<String> lost() {
        Set<String> out = new TreeSet<>();
        for (int k = 0; k < keys; k++) {
            for (int s = perKey - dropped(k); s < perKey; s++) {
                out.add(key(k) + "#" + s);
            }
        }
        for (int s = 0; s < perKey; s++) {
            out.add("tail-gone#" + s);
        }
        return out;
    }

    static boolean isTailKey(String key) {
        return key.startsWith("tail-");
    }

    private static String key(int k) {
        return "tail-" + k;
    }

    private static int dropped(int k) {
        return k % 5 + 1;
    }

    void send(String bootstrap, String topic, String voidTopic, String producerId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, SequenceStampingInterceptor.class.getName() + ","
                + DroppingInterceptor.class.getName());
        p.put("seqaudit.producer.id", producerId);
        p.put(DroppingInterceptor.VOID_TOPIC, voidTopic);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int k = 0; k < keys; k++) {
                for (int s = 0; s < perKey; s++) {
                    String value = s >= perKey - dropped(k) ? DroppingInterceptor.DROP : "v" + s;
                    producer.send(new ProducerRecord<>(topic, key(k), value));
                }
            }
            for (int s = 0; s < perKey; s++) {
                producer.send(new ProducerRecord<>(topic, "tail-gone", DroppingInterceptor.DROP));
            }
        } // close() sends the last beacon
    }
}

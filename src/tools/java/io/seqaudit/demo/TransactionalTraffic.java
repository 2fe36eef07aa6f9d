package io.seqaudit.demo;

import io.seqaudit.stamp.SequenceStampingInterceptor;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The demo's transactional producer: the stamping interceptor on a producer with a {@code transactional.id}, which
 * aborts every other transaction after a flush (the application's choice: those seqs are aborted, not lost). The last
 * transaction always commits, so every aborted one is followed by records that reveal its seqs.
 *
 * @param transactions transactions to run (made odd, so the last one commits)
 * @param keys keys written in every transaction ({@code txn-key-<i>})
 * @param perKey records per key and transaction
 */
record TransactionalTraffic(int transactions, int keys, int perKey) {

    TransactionalTraffic {
        transactions = transactions % 2 == 0 ? transactions + 1 : transactions;
    }

    /** Seqs sent in aborted transactions. */
    long aborted() {
        return (long) (transactions / 2) * keys * perKey;
    }

    /** Records sent in committed transactions (what the auditor reads). */
    long committed() {
        return (long) (transactions - transactions / 2) * keys * perKey;
    }

    void send(String bootstrap, String topic, String transactionalId) {
        try (KafkaProducer<String, String> p = TrafficSender.producer(bootstrap, Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, SequenceStampingInterceptor.class.getName()))) {
            p.initTransactions();
            for (int t = 0; t < transactions; t++) {
                p.beginTransaction();
                for (int i = 0; i < perKey; i++) {
                    for (int k = 0; k < keys; k++) {
                        p.send(new ProducerRecord<>(topic, "txn-key-" + k, "transaction " + t));
                    }
                }
                if (t % 2 == 1) {
                    // Flushed first, the aborted records are in the log, where the auditor finds them and counts
                    // their seqs as aborted. (Aborted unsent, the interceptor would move to a fresh epoch instead:
                    // not lost either, but not counted.)
                    p.flush();
                    p.abortTransaction();
                } else {
                    p.commitTransaction();
                }
            }
        }
    }
}

package io.seqaudit.it;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Records stamped by hand, as any client may do it under the public header contract. */
public final class Stamped {

    private Stamped() {
    }

    public static ProducerRecord<String, String> record(String topic, String key, String producer, long epoch,
            long seq) {
        RecordHeaders h = new RecordHeaders();
        h.add("seqaudit-producer", producer.getBytes(StandardCharsets.UTF_8));
        h.add("seqaudit-epoch", Long.toString(epoch).getBytes(StandardCharsets.UTF_8));
        h.add("seqaudit-seq", Long.toString(seq).getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(topic, null, null, key, "v" + seq, h);
    }
}

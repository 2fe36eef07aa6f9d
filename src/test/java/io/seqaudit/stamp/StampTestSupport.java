package io.seqaudit.stamp;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** Shared helpers: configured interceptors with a fixed clock and host, and reading stamps back. */
final class StampTestSupport {

    static final String HOST = "test-host";
    /** The default producer id of {@link #interceptor}s: the host, the test process part, no client.id. */
    static final String DEFAULT_ID = HOST + "/4242-test";
    static final long START_MS = 1_700_000_000_000L;

    /** The three headers read back from a record. */
    record Stamp(String producer, long epoch, long seq) {
    }

    private StampTestSupport() {
    }

    static SequenceStampingInterceptor<Object, Object> interceptor(Object... keyValues) {
        return interceptor(() -> START_MS, keyValues);
    }

    static SequenceStampingInterceptor<Object, Object> interceptor(LongSupplier clock, Object... keyValues) {
        Map<String, Object> configs = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            configs.put((String) keyValues[i], keyValues[i + 1]);
        }
        SequenceStampingInterceptor<Object, Object> interceptor = new SequenceStampingInterceptor<>(clock, () -> HOST);
        interceptor.configure(configs);
        return interceptor;
    }

    static ProducerRecord<Object, Object> record(String topic, Object key) {
        return new ProducerRecord<>(topic, key, "value");
    }

    /** The stamp of a record; fails if any of the three headers is missing or not exactly once. */
    static Stamp stampOf(ProducerRecord<?, ?> record) {
        Headers headers = record.headers();
        return new Stamp(
                SeqauditHeaders.decodeText(only(headers, SeqauditHeaders.PRODUCER)),
                SeqauditHeaders.decodeLong(only(headers, SeqauditHeaders.EPOCH)),
                SeqauditHeaders.decodeLong(only(headers, SeqauditHeaders.SEQ)));
    }

    static boolean hasAnyStampHeader(ProducerRecord<?, ?> record) {
        Headers headers = record.headers();
        return headers.lastHeader(SeqauditHeaders.PRODUCER) != null
                || headers.lastHeader(SeqauditHeaders.EPOCH) != null
                || headers.lastHeader(SeqauditHeaders.SEQ) != null;
    }

    private static byte[] only(Headers headers, String name) {
        byte[] value = null;
        int count = 0;
        for (Header h : headers.headers(name)) {
            value = h.value();
            count++;
        }
        if (count != 1) {
            throw new AssertionError("expected exactly one header " + name + " but found " + count);
        }
        return value;
    }
}

package io.seqaudit.stamp;

import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The {@code seqaudit-seq} header of a record this interceptor stamped, carrying its stream and seq back to
 * {@code onAcknowledgement}: Kafka hands that method the record's headers but not its key, and a map from records
 * to streams would cost a lookup and a lock per record on the I/O thread. A header object, not the headers
 * collection: {@code ProducerRecord} copies the collection (and so does an interceptor that re-addresses a record),
 * but keeps the header objects. On the wire it is an ordinary header.
 */
final class StampedSeqHeader extends RecordHeader {

    final BeaconStream stream;
    final long seq;

    StampedSeqHeader(BeaconStream stream, long seq) {
        super(SeqauditHeaders.SEQ, SeqauditHeaders.encodeLong(seq));
        this.stream = stream;
        this.seq = seq;
    }
}

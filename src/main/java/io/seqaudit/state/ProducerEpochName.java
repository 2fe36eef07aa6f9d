package io.seqaudit.state;

/**
 * A producer epoch as the topic's producer-epoch dictionary ({@code pe} hash) stores it, next to the 8-byte hash
 * that is half of its streams' fields: the value is {@code "<epoch> <producer>"}. The one place that writes and
 * reads that text (the checkpoint writes it; the read facade and the truncation handler turn hashes back into
 * producer and epoch). Immutable.
 *
 * @param producer the {@code seqaudit-producer} header (printable ASCII, may hold spaces: the epoch comes first)
 * @param epoch the {@code seqaudit-epoch} header
 */
public record ProducerEpochName(String producer, long epoch) {

    /** The stored text. */
    public String text() {
        return epoch + " " + producer;
    }

    /** Reads a stored text back; throws IllegalArgumentException, naming the text, if it is not one. */
    public static ProducerEpochName parse(String text) {
        int space = text.indexOf(' ');
        try {
            return new ProducerEpochName(text.substring(space + 1), Long.parseLong(text.substring(0, space)));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a stored producer epoch: \"" + text + "\"", e);
        }
    }
}

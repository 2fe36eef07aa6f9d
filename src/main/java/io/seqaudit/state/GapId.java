package io.seqaudit.state;

/**
 * A gap or replay id, parsed: {@code <topic>.<stream id>.<tail>}, where the stream id is the 27 characters of
 * {@link StreamRef#id()} and the tail a gap's first seq ({@code <from>}) or a replay's range ({@code <from>-<to>}).
 * The one place that knows how ids are put together. Immutable; any thread.
 *
 * @param topic the audited topic
 * @param stream the stream's id
 * @param tail what follows the stream id
 */
public record GapId(String topic, String stream, String tail) {

    /** The id parsed, or null if it is not shaped like a gap or replay id (a caller's typo, a foreign id). */
    public static GapId parse(String id) {
        int last = id == null ? -1 : id.lastIndexOf('.');
        if (last < StreamRef.ID_LENGTH + 2 || id.charAt(last - StreamRef.ID_LENGTH - 1) != '.') {
            return null;
        }
        String topic = id.substring(0, last - StreamRef.ID_LENGTH - 1);
        String stream = id.substring(last - StreamRef.ID_LENGTH, last);
        if (!topic.matches("[A-Za-z0-9._-]{1,249}") || !stream.matches("[A-Za-z0-9_-]{27}")) {
            return null;
        }
        return new GapId(topic, stream, id.substring(last + 1));
    }

    /** {@code <topic>.<stream id>.}: what every gap and replay id of the stream starts with. */
    public String streamPrefix() {
        return topic + "." + stream + ".";
    }

    /** The stream's field in Redis (where its state and gaps live). */
    public byte[] field() {
        return StreamRef.fieldOf(stream);
    }

    /** The id of the gap a replay id {@code <gap id>-<to>} was made for; a gap id is returned as it is. */
    public static String gapOfReplay(String replayId) {
        int dash = replayId.lastIndexOf('-');
        int dot = replayId.lastIndexOf('.');
        return dash > dot ? replayId.substring(0, dash) : replayId;
    }
}

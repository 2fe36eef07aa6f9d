package io.seqaudit.sequence;

import java.util.Locale;

/**
 * What a consumer-stage finding says about one record and one application consumer group (README, "What the
 * auditor does with receipts"). The lower-case name is the {@code reason} of the finding in the REST API.
 */
public enum ConsumerReason {
    /** The group committed past the record and, once grace ran out, no receipt (or only a failed one) told of it. */
    COMMITTED_NOT_PROCESSED,
    /** The record was receipted as processed more than once (a re-delivery after a crash, an offset reset). */
    PROCESSED_TWICE;

    private final String tag = name().toLowerCase(Locale.ROOT);

    /** The JSON name of this reason. */
    public String tag() {
        return tag;
    }

    /** The reason named by {@link #tag()}; throws IllegalArgumentException for another name. */
    public static ConsumerReason ofTag(String tag) {
        return valueOf(tag.toUpperCase(Locale.ROOT));
    }
}

package io.seqaudit.state;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where a stored gap stands in the audit: missing and within grace, or confirmed lost. */
public enum GapState {
    /** Missing, grace window not over. */
    @JsonProperty("suspected")
    SUSPECTED,
    /** Missing past the grace window. */
    @JsonProperty("lost")
    LOST
}

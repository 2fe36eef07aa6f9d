package io.seqaudit.state;

/** Redis did not answer in time, or answered with an error: nothing was written, the caller may retry. */
public class StateUnavailableException extends RuntimeException {

    public StateUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

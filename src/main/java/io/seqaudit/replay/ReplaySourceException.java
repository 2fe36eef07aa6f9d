package io.seqaudit.replay;

/** The source of truth could not answer now (unreachable, timed out, an error): the replayer may retry. */
public class ReplaySourceException extends Exception {

    public ReplaySourceException(String message) {
        super(message);
    }

    public ReplaySourceException(String message, Throwable cause) {
        super(message, cause);
    }
}

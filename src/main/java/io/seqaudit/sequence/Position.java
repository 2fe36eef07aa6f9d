package io.seqaudit.sequence;

/** Where a record sits in the log: its partition and offset. */
public record Position(int partition, long offset) {
}

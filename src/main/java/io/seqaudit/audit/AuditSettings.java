package io.seqaudit.audit;

import io.seqaudit.config.SeqauditConfig;

/**
 * The settings one topic's auditor works with, taken from the {@code seqaudit.state.*} configuration.
 *
 * @param cacheStreams stream states kept in memory
 * @param idleAfterMillis a stream without records this long shrinks to its watermark, ms
 * @param expireAfterMillis a stream without records this long and without missing seqs is deleted, ms
 * @param duplicatesKept recent duplicates kept per shard
 * @param journalRecords records journaled per partition and shard, for truncations
 */
record AuditSettings(int cacheStreams, long idleAfterMillis, long expireAfterMillis, int duplicatesKept,
        int journalRecords) {

    static AuditSettings of(SeqauditConfig config) {
        SeqauditConfig.State state = config.state();
        return new AuditSettings(state.cacheStreams(), state.idleAfter().toMillis(), state.expireAfter().toMillis(),
                state.duplicatesKept(), config.audit().journalRecords());
    }
}

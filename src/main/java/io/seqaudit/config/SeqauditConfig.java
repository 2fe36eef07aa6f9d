package io.seqaudit.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import org.hibernate.validator.constraints.time.DurationMin;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every setting of seqaudit, under the prefix {@code seqaudit} (env {@code SEQAUDIT_...}). */
@ConfigMapping(prefix = "seqaudit")
public interface SeqauditConfig {

    /** Topics to audit, comma separated (env {@code SEQAUDIT_TOPICS}). Required. */
    List<String> topics();

    /**
     * How long a missing seq stays suspected before it is reported lost, measured on the auditor's progress
     * through the partitions that carry the stream (env {@code SEQAUDIT_GRACE}). Default 30s.
     */
    @WithDefault("30s")
    @DurationMin(millis = 0, message = "must not be negative")
    Duration grace();

    /**
     * The application consumer groups whose processing is audited from their receipts (README, "What the auditor
     * does with receipts"), comma separated, e.g. {@code orders-service,billing} (env {@code SEQAUDIT_CONSUMERS}).
     * Each must be a non-blank group id. Default: none (the consumer stage is off; no receipt consumer runs).
     */
    Optional<List<@jakarta.validation.constraints.NotBlank(message = "must not hold a blank group id") String>>
            consumers();

    /** The auditor consumer. */
    Audit audit();

    /** The audit state in Redis. */
    State state();

    /** Repairing confirmed losses from the business's source of truth. */
    Replay replay();

    /** The REST API under {@code /api/v1}: who may call it and how often. */
    Api api();

    /**
     * The settings of the processing-receipts client ({@code seqaudit.receipts.*}: io.seqaudit.receipt, README
     * "Processing receipts"), which an application reads, never the service. Accepted here only so that the
     * unknown-property check under this prefix does not refuse a process that is both (the Quarkus test of the
     * SmallRye interceptor runs its application inside the service).
     */
    @WithName("receipts")
    Map<String, String> receipts();

    /** Where a partition without a stored audit offset starts. */
    enum StartFrom {
        /** From the partition's first record: every stream is seen from its start, where the log still holds it. */
        EARLIEST,
        /** From the records written after the auditor started: streams already running are joined late. */
        LATEST
    }

    /** Settings of the auditor consumer. */
    interface Audit {

        /** Whether the auditor consumes at all (off: the API only reads Redis). Default true. */
        @WithDefault("true")
        boolean enabled();

        /** The auditor's own consumer group id; never the application's. Default {@code seqaudit-auditor}. */
        @WithDefault("seqaudit-auditor")
        String groupId();

        /**
         * Where to start on a partition that has no stored audit offset: {@code earliest} or {@code latest}.
         * Starting later than offset 0 means streams may be joined late. Default earliest.
         */
        @WithDefault("earliest")
        StartFrom startFrom();

        /** The most records one poll returns (one atomic Redis step per topic per poll). Default 5000. */
        @WithDefault("5000")
        int maxPollRecords();

        /**
         * The most polls of a topic whose checkpoint may be in Redis's hands, unconfirmed, while the auditor reads
         * and audits the next: 1 confirms each before sending the next. More keeps Redis and the auditor busy at
         * once; a refused one voids those sent after it (they are read again). Default 2, from 1 to 4.
         */
        @WithDefault("2")
        @jakarta.validation.constraints.Min(1)
        @jakarta.validation.constraints.Max(4)
        int checkpointsInFlight();

        /**
         * How often the auditor advances the progress clock of caught-up partitions and confirms losses whose
         * grace has run out, even without new records. Default 100ms.
         */
        @WithDefault("100ms")
        Duration tick();

        /** The biggest seq jump one record may reveal as missing; a bigger one is {@code invalid}. Default 100000. */
        @WithDefault("100000")
        long maxJump();

        /** The most missing ranges kept per stream; beyond it the oldest is forgotten. Default 1000. */
        @WithDefault("1000")
        int maxRanges();

        /**
         * Recently audited records journaled per partition (per state shard): which seq each made present, so that
         * a log truncated below the auditor's position (an unclean leader election) reopens exactly those seqs.
         * About 25 bytes of Redis per record. A truncation reaching further back is reported as a coverage gap.
         * Default 200000.
         */
        @WithDefault("200000")
        int journalRecords();

        /**
         * Whether the auditor reads the producers' beacons (README, "Beacons"): they find lost tails of streams and
         * tell each loss's stage. Default true; a beacon topic that does not exist (yet) is looked for again.
         */
        @WithDefault("true")
        boolean beacons();

        /** The topic the stamping interceptors send their beacons to. Default {@code seqaudit.beacons}. */
        @WithDefault("seqaudit.beacons")
        String beaconTopic();

        /**
         * The topic the applications' processing receipts are read from (README, "What the auditor does with
         * receipts"); read only when {@code seqaudit.consumers} names a group. The auditor never creates it: a
         * missing one is logged and looked for again. Default {@code seqaudit.receipts}.
         */
        @WithDefault("seqaudit.receipts")
        String receiptTopic();

        /** Pause after Redis or Kafka failed before the batch is retried; doubles up to 30s. Default 500ms. */
        @WithDefault("500ms")
        Duration retryBackoff();
    }

    /** Settings of the Redis state. */
    interface State {

        /** Prefix of every Redis key. Default {@code seqaudit}. */
        @WithDefault("seqaudit")
        String prefix();

        /**
         * How many shards one topic's state is split into, each a Redis Cluster slot of its own (keys
         * {@code <prefix>:{<topic>/<shard>}:...}; with one shard {@code <prefix>:{<topic>}:...}). More shards spread
         * one topic over more Redis Cluster masters; each poll then writes one checkpoint per shard, pipelined.
         * Fixed when a topic's state is created: a service configured otherwise refuses that topic (re-audit it to
         * change). Default: 1 with a standalone Redis, 16 with {@code quarkus.redis.client-type=cluster}.
         */
        java.util.OptionalInt shards();

        /**
         * How often the auditor reads Redis's eviction policy and persistence settings (also at start). A policy
         * other than {@code noeviction} stops every topic's audit (reported as state lost) until it is set back.
         * Default 60s.
         */
        @WithDefault("60s")
        Duration settingsCheck();

        /** The longest one Redis call may take before it counts as failed. Default 10s. */
        @WithDefault("10s")
        Duration timeout();

        /**
         * How many recent duplicates each shard of a topic's state keeps for {@code GET /duplicates} (a topic keeps at
         * most shards × this, newest first). Default 1000.
         */
        @WithDefault("1000")
        int duplicatesKept();

        /** Streams kept in the auditor's memory (least recently used leave first). Default 500000. */
        @WithDefault("500000")
        int cacheStreams();

        /** After this long without records a stream shrinks to its watermark. Default 10m. */
        @WithDefault("10m")
        Duration idleAfter();

        /**
         * After this long without records a stream without missing seqs is deleted. If it resumes later, it is
         * taken from the seq it resumes at (its producer epoch is remembered as expired). Default 7d.
         */
        @WithDefault("7d")
        Duration expireAfter();
    }

    /** Settings of the replay of lost records (see docs/replay-sources.md). */
    interface Replay {

        /**
         * Where lost records are fetched from: {@code none} (losses are reported, never replayed), {@code http}
         * (the application's callback) or {@code jdbc} (an outbox table in PostgreSQL). Default none.
         */
        @WithDefault("none")
        String source();

        /** Replay every confirmed loss automatically (needs a source). Default false. */
        @WithDefault("false")
        boolean auto();

        /** Most replays the automatic mode starts per second. Default 2. */
        @WithDefault("2")
        double autoRate();

        /** Most replays in progress (not yet repaired, unrecoverable or failed) at once. Default 20. */
        @WithDefault("20")
        int maxConcurrent();

        /** Most seqs one replay may cover. Default 10000. */
        @WithDefault("10000")
        long maxRange();

        /**
         * How often the replayer looks for work (a Quarkus {@code @Scheduled} tick; its simple scheduler runs
         * nothing more often than once a second). Default 1s.
         */
        @WithDefault("1s")
        Duration interval();

        /** Fetches from the source before a replay is {@code failed}. Default 3. */
        @WithDefault("3")
        int maxFetches();

        /**
         * How long a finished replay ({@code repaired}, {@code unrecoverable} or {@code failed}) is kept after it
         * ended, then deleted with its index entries (env {@code SEQAUDIT_REPLAY_RETENTION}). Default 7d: a week
         * of outcomes for the people on call to look at, and Kafka's default log retention, after which the
         * republished records themselves are gone from the topic. Once deleted, a replay no longer marks its gap
         * {@code repaired} in {@code GET /api/v1/gaps}; with {@code auto=true} a loss still open whose replay was
         * deleted is replayed again (the source is asked once more).
         */
        @WithDefault("7d")
        @DurationMin(seconds = 1, message = "must be at least 1s")
        Duration retention();

        /**
         * Kafka transactional id of the replay producer; a restarted replayer with the same id fences its former
         * self and aborts what it left half published. Default {@code seqaudit-replayer-<host name>}.
         */
        Optional<String> transactionalId();

        /** The {@code http} source. */
        Http http();

        /** The {@code jdbc} source. */
        Jdbc jdbc();

        /** Settings of the {@code http} source: a GET to the application's callback. */
        interface Http {

            /**
             * The callback's URL template, an absolute http(s) URL, e.g.
             * {@code http://127.0.0.1:8080/seqaudit/replay?topic={topic}&key={keyBase64}&producer={producer}&epoch={epoch}&from={fromSeq}&to={toSeq}}.
             * Placeholders (each replaced percent-encoded): {@code {topic} {key} {keyBase64} {keyNull} {producer}
             * {epoch} {fromSeq} {toSeq} {replayId}}. Required when {@code seqaudit.replay.source=http}.
             */
            Optional<String> url();

            /** The longest one attempt may take, from connecting to the last byte of the answer. Default 5s. */
            @WithDefault("5s")
            Duration timeout();

            /**
             * Attempts per fetch (the first one included) when the callback is unreachable, times out or answers
             * 5xx or 429. Default 5.
             */
            @WithDefault("5")
            int maxAttempts();

            /** The pause after the first failed attempt; it doubles after each further one. Default 200ms. */
            @WithDefault("200ms")
            Duration backoff();

            /**
             * The longest pause between two attempts: caps the doubling backoff and a {@code Retry-After} the
             * callback asks for. Default 5s.
             */
            @WithDefault("5s")
            Duration maxBackoff();
        }

        /**
         * Settings of the {@code jdbc} source: an outbox table read with plain JDBC. Table and column names are
         * unquoted SQL identifiers (letters, digits, underscore, not starting with a digit; the table may be
         * {@code schema.table}), checked at start.
         */
        interface Jdbc {

            /**
             * The JDBC URL, e.g. {@code jdbc:postgresql://127.0.0.1:5432/seqaudit}. Required when
             * {@code seqaudit.replay.source=jdbc}.
             */
            Optional<String> url();

            /** The database user. Default: none (the driver's default, or the one in the URL). */
            Optional<String> username();

            /** The database user's password. Default: none. */
            Optional<String> password();

            /** The longest connecting or one query may take. Default 5s. */
            @WithDefault("5s")
            Duration timeout();

            /** The outbox table, optionally {@code schema.table}. Default {@code seqaudit_outbox}. */
            @WithDefault("seqaudit_outbox")
            String table();

            /** The column holding the topic (text). Default {@code topic}. */
            @WithDefault("topic")
            String topicColumn();

            /** The column holding the record key (bytea, null for the null key). Default {@code record_key}. */
            @WithDefault("record_key")
            String keyColumn();

            /** The column holding the producer id (text). Default {@code producer}. */
            @WithDefault("producer")
            String producerColumn();

            /** The column holding the producer epoch (bigint). Default {@code epoch}. */
            @WithDefault("epoch")
            String epochColumn();

            /** The column holding the seq (bigint). Default {@code seq}. */
            @WithDefault("seq")
            String seqColumn();

            /** The column holding the record value (bytea, null for a tombstone). Default {@code payload}. */
            @WithDefault("payload")
            String valueColumn();

            /**
             * The column holding the application's headers (jsonb {@code {"name": "base64 value"}}, nullable).
             * Default {@code headers}.
             */
            @WithDefault("headers")
            String headersColumn();

            /**
             * Whether seqaudit creates the outbox table (with the configured names) and its indexes if missing, at
             * start, with Flyway (history in {@code <table>_schema_history}). Default false: the application owns
             * its schema.
             */
            @WithDefault("false")
            boolean migrate();
        }
    }

    /** Settings of the REST API under {@code /api/v1} (health, metrics and OpenAPI are never affected). */
    interface Api {

        /**
         * Whether {@code /api/v1} asks for credentials (env {@code SEQAUDIT_API_AUTH_ENABLED}). Off, every caller
         * is treated as an operator: only for a network where nobody else can reach the port. Default true.
         */
        @WithDefault("true")
        boolean authEnabled();

        /**
         * The static bearer tokens, kept hashed: one per line, {@code <role>:<sha256-hex of the token>[:<name>]},
         * {@code #} starts a comment line; several may be valid at once, for rotation (env
         * {@code SEQAUDIT_API_TOKENS_FILE}). Typically a mounted Kubernetes Secret: a change of the file (its
         * modification time, size or inode) is picked up on the next request, without a restart. It must exist
         * at start; if it disappears later, no static token is valid until it is back. No default: without it,
         * only JWTs are accepted (when {@code mp.jwt.verify.publickey[.location]} is set).
         */
        Optional<Path> tokensFile();

        /**
         * Replay requests ({@code POST}, endpoints marked {@code @RateLimited}) accepted per second, across all
         * callers; more get 429 with {@code Retry-After} (env {@code SEQAUDIT_API_REPLAY_RATE}). Default 5.
         */
        @WithDefault("5")
        double replayRate();

        /** Replay requests accepted at once after a quiet period, on top of the steady rate. Default 10. */
        @WithDefault("10")
        int replayBurst();
    }
}

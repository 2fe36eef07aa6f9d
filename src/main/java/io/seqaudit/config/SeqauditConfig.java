package io.seqaudit.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    Duration grace();

    /** The auditor consumer. */
    Audit audit();

    /** The audit state in Redis. */
    State state();

    /** The REST API under {@code /api/v1}: who may call it and how often. */
    Api api();

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
        String startFrom();

        /** The most records one poll returns (one atomic Redis step per topic per poll). Default 2000. */
        @WithDefault("2000")
        int maxPollRecords();

        /**
         * How often the auditor advances the progress clock of caught-up partitions and confirms losses whose
         * grace has run out, even without new records. Default 250ms.
         */
        @WithDefault("250ms")
        Duration tick();

        /** The biggest seq jump one record may reveal as missing; a bigger one is {@code invalid}. Default 100000. */
        @WithDefault("100000")
        long maxJump();

        /** The most missing ranges kept per stream; beyond it the oldest is forgotten. Default 1000. */
        @WithDefault("1000")
        int maxRanges();

        /** Pause after Redis or Kafka failed before the batch is retried; doubles up to 30s. Default 500ms. */
        @WithDefault("500ms")
        Duration retryBackoff();
    }

    /** Settings of the Redis state. */
    interface State {

        /** Prefix of every Redis key. Default {@code seqaudit}. */
        @WithDefault("seqaudit")
        String prefix();

        /** The longest one Redis call may take before it counts as failed. Default 10s. */
        @WithDefault("10s")
        Duration timeout();

        /** How many recent duplicates each topic keeps for {@code GET /duplicates}. Default 1000. */
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

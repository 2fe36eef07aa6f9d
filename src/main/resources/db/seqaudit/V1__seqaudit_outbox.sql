-- seqaudit's default outbox table: what the jdbc replay source reads (docs/replay-sources.md).
--
-- Flyway placeholders, so one file serves every configured name. seqaudit runs it with Flyway, the placeholders
-- set from seqaudit.replay.jdbc.*, when seqaudit.replay.jdbc.migrate=true; with the defaults they are:
--   ${table} = seqaudit_outbox, ${table_name} = the table without its schema (seqaudit_outbox),
--   ${topic_column} = topic, ${key_column} = record_key, ${producer_column} = producer,
--   ${epoch_column} = epoch, ${seq_column} = seq, ${value_column} = payload, ${headers_column} = headers.
-- Running it yourself (Flyway, Liquibase, psql): set these placeholders, or copy the default DDL from the doc.
CREATE TABLE IF NOT EXISTS ${table} (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ${topic_column}    text        NOT NULL,
    ${key_column}      bytea,                   -- null for the null key
    ${producer_column} text        NOT NULL,    -- the seqaudit-producer header
    ${epoch_column}    bigint      NOT NULL,    -- the seqaudit-epoch header
    ${seq_column}      bigint      NOT NULL,    -- the seqaudit-seq header
    ${value_column}    bytea,                   -- null for a tombstone
    ${headers_column}  jsonb,                   -- the application's own headers: {"name": "base64 value"}
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- One row per (stream, seq). The null key is a key of its own, and a plain unique index would let any number of
-- null-key rows share a seq, so there are two partial indexes. They also serve the source's lookup
-- (key = ? or key IS NULL, then producer, epoch and a seq range).
CREATE UNIQUE INDEX IF NOT EXISTS ${table_name}_key_seq
    ON ${table} (${topic_column}, ${key_column}, ${producer_column}, ${epoch_column}, ${seq_column})
    WHERE ${key_column} IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS ${table_name}_nullkey_seq
    ON ${table} (${topic_column}, ${producer_column}, ${epoch_column}, ${seq_column})
    WHERE ${key_column} IS NULL;

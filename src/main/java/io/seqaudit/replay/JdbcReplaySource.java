package io.seqaudit.replay;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.seqaudit.config.SeqauditConfig;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jboss.logging.Logger;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The {@code jdbc} source: reads an outbox table in PostgreSQL, the table the application writes each record to in
 * the same transaction as the business change (the transactional outbox).
 *
 * <p>One row per record: topic, key (bytea, null for the null key), producer, epoch, seq, value (bytea) and the
 * application's headers (jsonb {@code {"name": "base64 value"}}, nullable; {@code seqaudit-*} headers are dropped,
 * the replayer sets them). Names are configurable ({@code seqaudit.replay.jdbc.*}), checked as plain SQL
 * identifiers; every value is a statement parameter. The default schema is
 * {@code db/seqaudit/V1__seqaudit_outbox.sql}, applied with Flyway by {@link #migrate()} when {@code migrate=true}.
 *
 * <p>The lookup is {@code SELECT seq, value, headers FROM table WHERE topic = ? AND key = ? AND producer = ? AND
 * epoch = ? AND seq BETWEEN ? AND ? ORDER BY seq}, with {@code key IS NULL} for the null key: two statements rather
 * than one {@code key IS NOT DISTINCT FROM ?}, which PostgreSQL cannot answer from an index. The missing seqs are the
 * range less the rows found.
 *
 * <p>One short-lived connection per fetch, no pool: fetches are rare (only for confirmed losses, one at a time per
 * replay), connecting costs milliseconds against a replay's seconds, and nothing is held open against the
 * business's database between replays (its connection limit, failovers, restarts). The driver is called directly
 * ({@code org.postgresql.Driver}), not through {@code DriverManager}, which does not always see drivers on Quarkus's
 * class loaders. Connect, login, socket reads and the query are each bounded by {@code seqaudit.replay.jdbc.timeout}.
 */
public final class JdbcReplaySource implements ReplaySource {

    /** The source's name in configuration. */
    public static final String NAME = "jdbc";

    /** Where the default schema's Flyway migrations are, with {@code ${...}} placeholders for the configured names. */
    public static final String MIGRATIONS = "db/seqaudit";

    private static final Logger LOG = Logger.getLogger(JdbcReplaySource.class);
    /** The headers column: {@code {"name": "base64 value"}}, insertion order kept. */
    private static final TypeReference<LinkedHashMap<String, String>> HEADERS = new TypeReference<>() {
    };
    /** Columns of the default schema whose names are fixed. */
    private static final Set<String> FIXED_COLUMNS = Set.of("id", "created_at");

    /**
     * The settings, as in {@link SeqauditConfig.Replay.Jdbc}.
     *
     * @param url a {@code jdbc:postgresql:} URL
     * @param timeout bounds connecting, logging in, each socket read and the query
     */
    public record Settings(String url, Optional<String> username, Optional<String> password, Duration timeout,
            String table, String topicColumn, String keyColumn, String producerColumn, String epochColumn,
            String seqColumn, String valueColumn, String headersColumn, boolean migrate) {

        /** @throws IllegalArgumentException naming the property that is wrong */
        public Settings {
            if (url == null || !url.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("seqaudit.replay.jdbc.url must be a jdbc:postgresql: URL, not '"
                        + url + "'");
            }
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("seqaudit.replay.jdbc.timeout must be positive, not " + timeout);
            }
            SqlIdentifiers.table("seqaudit.replay.jdbc.table", table);
            SqlIdentifiers.column("seqaudit.replay.jdbc.topic-column", topicColumn);
            SqlIdentifiers.column("seqaudit.replay.jdbc.key-column", keyColumn);
            SqlIdentifiers.column("seqaudit.replay.jdbc.producer-column", producerColumn);
            SqlIdentifiers.column("seqaudit.replay.jdbc.epoch-column", epochColumn);
            SqlIdentifiers.column("seqaudit.replay.jdbc.seq-column", seqColumn);
            SqlIdentifiers.column("seqaudit.replay.jdbc.value-column", valueColumn);
            SqlIdentifiers.column("seqaudit.replay.jdbc.headers-column", headersColumn);
            Set<String> distinct = new HashSet<>();
            for (String c : List.of(topicColumn, keyColumn, producerColumn, epochColumn, seqColumn, valueColumn,
                    headersColumn)) {
                // Unquoted identifiers fold to lower case in PostgreSQL.
                if (!distinct.add(c.toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("seqaudit.replay.jdbc: column " + c + " is named twice");
                }
                if (migrate && FIXED_COLUMNS.contains(c.toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("seqaudit.replay.jdbc: column " + c
                            + " clashes with a column of the default schema (" + FIXED_COLUMNS + ")");
                }
            }
        }

        /** The default table and column names, no credentials, 5s timeout, no migration. */
        public static Settings defaults(String url) {
            return new Settings(url, Optional.empty(), Optional.empty(), Duration.ofSeconds(5), "seqaudit_outbox",
                    "topic", "record_key", "producer", "epoch", "seq", "payload", "headers", false);
        }

        /** The configured settings; the URL is required. */
        public static Settings from(SeqauditConfig.Replay.Jdbc c) {
            String url = c.url().filter(u -> !u.isBlank()).orElseThrow(() -> new IllegalArgumentException(
                    "seqaudit.replay.source=jdbc needs seqaudit.replay.jdbc.url (env SEQAUDIT_REPLAY_JDBC_URL), "
                            + "e.g. jdbc:postgresql://127.0.0.1:5432/seqaudit"));
            return new Settings(url, c.username(), c.password(), c.timeout(), c.table(), c.topicColumn(),
                    c.keyColumn(), c.producerColumn(), c.epochColumn(), c.seqColumn(), c.valueColumn(),
                    c.headersColumn(), c.migrate());
        }

        public Settings withTable(String newTable) {
            return new Settings(url, username, password, timeout, newTable, topicColumn, keyColumn, producerColumn,
                    epochColumn, seqColumn, valueColumn, headersColumn, migrate);
        }

        public Settings withMigrate(boolean newMigrate) {
            return new Settings(url, username, password, timeout, table, topicColumn, keyColumn, producerColumn,
                    epochColumn, seqColumn, valueColumn, headersColumn, newMigrate);
        }

        public Settings withCredentials(String newUsername, String newPassword) {
            return new Settings(url, Optional.ofNullable(newUsername), Optional.ofNullable(newPassword), timeout,
                    table, topicColumn, keyColumn, producerColumn, epochColumn, seqColumn, valueColumn,
                    headersColumn, migrate);
        }

        /** Without the password. */
        @Override
        public String toString() {
            return "JdbcReplaySource.Settings[url=" + url + ", username=" + username.orElse("(none)") + ", password="
                    + (password.isPresent() ? "(set)" : "(none)") + ", timeout=" + timeout + ", table=" + table
                    + ", columns=" + List.of(topicColumn, keyColumn, producerColumn, epochColumn, seqColumn,
                            valueColumn, headersColumn)
                    + ", migrate=" + migrate + "]";
        }
    }

    private final Settings settings;
    private final org.postgresql.Driver driver = new org.postgresql.Driver();
    private final String selectByKey;
    private final String selectNullKey;
    private volatile boolean migrated;

    public JdbcReplaySource(Settings settings) {
        this.settings = settings;
        String select = "SELECT " + settings.seqColumn() + ", " + settings.valueColumn() + ", "
                + settings.headersColumn() + " FROM " + settings.table() + " WHERE " + settings.topicColumn()
                + " = ? AND %s AND " + settings.producerColumn() + " = ? AND " + settings.epochColumn() + " = ? AND "
                + settings.seqColumn() + " BETWEEN ? AND ? ORDER BY " + settings.seqColumn();
        this.selectByKey = String.format(select, settings.keyColumn() + " = ?");
        this.selectNullKey = String.format(select, settings.keyColumn() + " IS NULL");
    }

    @Override
    public String name() {
        return NAME;
    }

    public Settings settings() {
        return settings;
    }

    /** The Flyway placeholders of the default schema: the configured names, as {@link #migrate()} passes them. */
    public Map<String, String> placeholders() {
        return Map.of(
                "table", settings.table(),
                "table_name", SqlIdentifiers.unqualified(settings.table()),
                "topic_column", settings.topicColumn(),
                "key_column", settings.keyColumn(),
                "producer_column", settings.producerColumn(),
                "epoch_column", settings.epochColumn(),
                "seq_column", settings.seqColumn(),
                "value_column", settings.valueColumn(),
                "headers_column", settings.headersColumn());
    }

    /**
     * Creates the outbox table and its indexes if missing, with Flyway ({@code classpath:db/seqaudit}, the names
     * as placeholders). Flyway keeps its history in {@code <table>_schema_history} next to the table and holds a
     * PostgreSQL advisory lock while it migrates (several instances may start at once). A schema that already has
     * tables (the application's own, or an outbox made by an earlier seqaudit) is baselined at version 0, so V1 still
     * runs; its {@code IF NOT EXISTS} statements leave an existing outbox alone. Called at start when
     * {@code migrate=true}; if that failed, {@link #fetch} tries again first.
     */
    public synchronized void migrate() throws ReplaySourceException {
        String table = settings.table();
        int dot = table.indexOf('.');
        var flyway = Flyway.configure(JdbcReplaySource.class.getClassLoader())
                .dataSource(dataSource())
                .locations("classpath:" + MIGRATIONS)
                .placeholders(placeholders())
                .table(SqlIdentifiers.unqualified(table) + "_schema_history")
                .baselineOnMigrate(true)
                .baselineVersion("0");
        if (dot > 0) {
            flyway.schemas(table.substring(0, dot)).createSchemas(false);
        }
        try {
            flyway.load().migrate();
            migrated = true;
            LOG.infof("Outbox table %s is in place (seqaudit.replay.jdbc.migrate=true)", table);
        } catch (FlywayException e) {
            throw new ReplaySourceException("could not create the outbox table " + table + ": " + e.getMessage(), e);
        }
    }

    /** The driver's own DataSource with the same settings as {@link #connect()}, for Flyway. */
    private PGSimpleDataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(settings.url());
        settings.username().ifPresent(ds::setUser);
        settings.password().ifPresent(ds::setPassword);
        ds.setConnectTimeout(timeoutSeconds());
        ds.setLoginTimeout(timeoutSeconds());
        ds.setSocketTimeout(timeoutSeconds());
        ds.setApplicationName("seqaudit-replay");
        return ds;
    }

    @Override
    public Fetched fetch(Request r) throws ReplaySourceException {
        SourceAnswers.checkRequest(r);
        if (settings.migrate() && !migrated) {
            migrate();
        }
        String where = "the jdbc replay source (" + settings.table() + ")";
        List<SourceRecord> found = new ArrayList<>();
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement(r.key() == null ? selectNullKey : selectByKey)) {
            ps.setQueryTimeout(timeoutSeconds());
            int i = 1;
            ps.setString(i++, r.topic());
            if (r.key() != null) {
                ps.setBytes(i++, r.key());
            }
            ps.setString(i++, r.producer());
            ps.setLong(i++, r.epoch());
            ps.setLong(i++, r.fromSeq());
            ps.setLong(i, r.toSeq());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long seq = rs.getLong(1);
                    byte[] value = rs.getBytes(2);
                    Map<String, byte[]> headers = headers(rs.getString(3), seq, where);
                    found.add(new SourceRecord(seq, r.key() == null ? null : r.key().clone(), value, headers));
                }
            }
        } catch (SQLException e) {
            throw new ReplaySourceException(where + " failed: " + describe(e), e);
        }
        return SourceAnswers.assemble(r, where, found, List.of());
    }

    private Connection connect() throws SQLException {
        Properties p = new Properties();
        settings.username().ifPresent(u -> p.setProperty("user", u));
        settings.password().ifPresent(pw -> p.setProperty("password", pw));
        String seconds = Integer.toString(timeoutSeconds());
        p.setProperty("connectTimeout", seconds);
        p.setProperty("loginTimeout", seconds);
        p.setProperty("socketTimeout", seconds);
        p.setProperty("ApplicationName", "seqaudit-replay");
        Connection c = driver.connect(settings.url(), p);
        if (c == null) { // the driver declined the URL
            throw new SQLException("not a PostgreSQL JDBC URL: " + settings.url());
        }
        return c;
    }

    /** The driver counts whole seconds: the timeout rounded up, at least 1. */
    private int timeoutSeconds() {
        long ms = settings.timeout().toMillis();
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (ms + 999) / 1000));
    }

    private static Map<String, byte[]> headers(String json, long seq, String where) throws ReplaySourceException {
        if (json == null) {
            return Map.of();
        }
        Map<String, String> raw;
        try {
            raw = SourceAnswers.STRICT_JSON.readValue(json, HEADERS);
        } catch (MismatchedInputException e) {
            if (e.getPath().isEmpty()) {
                throw new ReplaySourceException(where + ": the headers of seq " + seq
                        + " are not a JSON object {\"name\": \"base64 value\"}");
            }
            throw new ReplaySourceException(where + ": header " + e.getPath().get(0).getFieldName() + " of seq " + seq
                    + " is not a base64 string");
        } catch (IOException e) {
            throw new ReplaySourceException(where + ": the headers of seq " + seq + " are not JSON");
        }
        if (raw == null) {
            return Map.of();
        }
        Map<String, byte[]> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> h : raw.entrySet()) {
            try {
                headers.put(h.getKey(), h.getValue() == null ? null : Base64.getDecoder().decode(h.getValue()));
            } catch (IllegalArgumentException e) {
                throw new ReplaySourceException(where + ": header " + h.getKey() + " of seq " + seq
                        + " is not valid base64");
            }
        }
        return SourceAnswers.applicationHeaders(headers);
    }

    private static String describe(SQLException e) {
        return e.getSQLState() == null ? e.getMessage() : e.getMessage() + " (SQLState " + e.getSQLState() + ")";
    }
}

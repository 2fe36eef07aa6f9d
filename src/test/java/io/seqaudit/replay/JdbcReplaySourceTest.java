package io.seqaudit.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqaudit.replay.ReplaySource.Fetched;
import io.seqaudit.replay.ReplaySource.Request;
import io.seqaudit.replay.ReplaySource.SourceRecord;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Against the real PostgreSQL of deploy/local/postgres.sh (127.0.0.1, SEQAUDIT_PG_PORT or 5432, db seqaudit). */
class JdbcReplaySourceTest {

    private static final String URL = "jdbc:postgresql://127.0.0.1:"
            + Optional.ofNullable(System.getenv("SEQAUDIT_PG_PORT")).orElse("5432") + "/seqaudit";
    private static final byte[] BINARY_KEY = {0, (byte) 0xff, 'k', (byte) 0x80};

    /** Tables this test created, dropped after each test. */
    private final List<String> tables = new ArrayList<>();

    private String uniqueTable() {
        String t = "seqaudit_outbox_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        tables.add(t);
        return t;
    }

    private static Connection db() throws SQLException {
        return DriverManager.getConnection(URL, "postgres", "");
    }

    @AfterEach
    void dropTables() throws SQLException {
        try (Connection c = db(); Statement s = c.createStatement()) {
            for (String t : tables) {
                s.execute("DROP TABLE IF EXISTS " + t);
            }
        }
    }

    private JdbcReplaySource migrated(JdbcReplaySource.Settings settings) throws ReplaySourceException {
        JdbcReplaySource source = new JdbcReplaySource(settings.withMigrate(true));
        source.migrate();
        return source;
    }

    private JdbcReplaySource migratedDefault() throws ReplaySourceException {
        return migrated(JdbcReplaySource.Settings.defaults(URL).withCredentials("postgres", null)
                .withTable(uniqueTable()));
    }

    private static void insert(String table, String topic, byte[] key, String producer, long epoch, long seq,
            byte[] value, String headersJson) throws SQLException {
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                + " (topic, record_key, producer, epoch, seq, payload, headers) VALUES (?, ?, ?, ?, ?, ?, ?::jsonb)")) {
            ps.setString(1, topic);
            ps.setBytes(2, key);
            ps.setString(3, producer);
            ps.setLong(4, epoch);
            ps.setLong(5, seq);
            ps.setBytes(6, value);
            ps.setString(7, headersJson);
            ps.executeUpdate();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Request request(byte[] key, long from, long to) {
        return new Request("replay-1", "orders", key, "svc-1", 7, from, to);
    }

    private static List<String> indexes(String table) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(
                "SELECT indexname FROM pg_indexes WHERE tablename = ? ORDER BY indexname")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        return names;
    }

    @Test
    void migrationCreatesTheOutboxTableWithOneRowPerStreamSeqAndIsIdempotent() throws Exception {
        JdbcReplaySource source = migratedDefault();
        String table = source.settings().table();

        source.migrate(); // a second start finds everything in place

        assertThat(indexes(table)).containsExactly(table + "_key_seq", table + "_nullkey_seq", table + "_pkey");
        insert(table, "orders", null, "svc-1", 7, 0, utf8("a"), null);
        insert(table, "orders", BINARY_KEY, "svc-1", 7, 0, utf8("b"), null);
        insert(table, "orders", new byte[0], "svc-1", 7, 0, utf8("c"), null);
        assertThatThrownBy(() -> insert(table, "orders", null, "svc-1", 7, 0, utf8("again"), null))
                .as("a second null-key row for the same seq").isInstanceOf(SQLException.class)
                .hasMessageContaining("duplicate key");
        assertThatThrownBy(() -> insert(table, "orders", BINARY_KEY, "svc-1", 7, 0, utf8("again"), null))
                .as("a second keyed row for the same seq").isInstanceOf(SQLException.class)
                .hasMessageContaining("duplicate key");
    }

    @Test
    void fetchReturnsTheStreamsRowsInTheRangeWithTheMissingSeqsAndNoOtherStreamsRows() throws Exception {
        JdbcReplaySource source = migratedDefault();
        String t = source.settings().table();
        byte[] value3 = {(byte) 0xde, (byte) 0xad, 0, (byte) 0xbe};
        byte[] header3 = {(byte) 0xc3, 0x28};
        for (long seq : new long[] {0, 1, 3, 5, 6}) {
            insert(t, "orders", BINARY_KEY, "svc-1", 7, seq, seq == 3 ? value3 : utf8("v" + seq),
                    seq == 3 ? "{\"trace\":\"" + Base64.getEncoder().encodeToString(header3)
                            + "\",\"none\":null,\"seqaudit-seq\":\"OTk=\"}" : null);
        }
        // The same seqs in other streams: none of them may come back.
        insert(t, "payments", BINARY_KEY, "svc-1", 7, 2, utf8("other topic"), null);
        insert(t, "orders", BINARY_KEY, "svc-2", 7, 2, utf8("other producer"), null);
        insert(t, "orders", BINARY_KEY, "svc-1", 8, 2, utf8("other epoch"), null);
        insert(t, "orders", new byte[] {0, (byte) 0xff}, "svc-1", 7, 2, utf8("key prefix"), null);
        insert(t, "orders", null, "svc-1", 7, 4, utf8("null key"), null);

        Fetched fetched = source.fetch(request(BINARY_KEY, 0, 5));

        assertThat(fetched.records()).extracting(SourceRecord::seq).containsExactly(0L, 1L, 3L, 5L);
        assertThat(fetched.missing()).containsExactly(2L, 4L);
        SourceRecord three = fetched.records().get(2);
        assertThat(three.key()).isEqualTo(BINARY_KEY);
        assertThat(three.value()).isEqualTo(value3);
        assertThat(three.headers()).as("seqaudit-* headers are the replayer's").containsOnlyKeys("trace", "none");
        assertThat(three.headers().get("trace")).isEqualTo(header3);
        assertThat(three.headers().get("none")).isNull();
        assertThat(fetched.records().get(0).headers()).isEmpty();
        assertThat(fetched.records().get(3).value()).isEqualTo(utf8("v5"));
    }

    @Test
    void nullKeyStreamIsItsOwnStreamApartFromTheEmptyKey() throws Exception {
        JdbcReplaySource source = migratedDefault();
        String t = source.settings().table();
        insert(t, "orders", null, "svc-1", 7, 0, utf8("n0"), null);
        insert(t, "orders", null, "svc-1", 7, 2, null, null); // a tombstone
        insert(t, "orders", new byte[0], "svc-1", 7, 1, utf8("empty key"), null);

        Fetched nullKey = source.fetch(request(null, 0, 2));
        Fetched emptyKey = source.fetch(request(new byte[0], 0, 2));

        assertThat(nullKey.records()).extracting(SourceRecord::seq).containsExactly(0L, 2L);
        assertThat(nullKey.records()).extracting(SourceRecord::key).containsOnlyNulls();
        assertThat(nullKey.records().get(1).value()).isNull();
        assertThat(nullKey.missing()).containsExactly(1L);
        assertThat(emptyKey.records()).extracting(SourceRecord::seq).containsExactly(1L);
        assertThat(emptyKey.records().get(0).key()).isEmpty();
        assertThat(emptyKey.missing()).containsExactly(0L, 2L);
    }

    @Test
    void configuredTableAndColumnNamesAreUsedByTheMigrationAndTheLookup() throws Exception {
        String table = uniqueTable();
        JdbcReplaySource source = migrated(new JdbcReplaySource.Settings(URL, Optional.of("postgres"),
                Optional.empty(), Duration.ofSeconds(5), "public." + table, "t_topic", "k", "prod", "ep", "n",
                "body", "hdrs", true));
        try (Connection c = db(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + table + " (t_topic, k, prod, ep, n, body) VALUES "
                    + "('orders', '\\x00ff6b80', 'svc-1', 7, 1, 'x')");
        }

        Fetched fetched = source.fetch(request(BINARY_KEY, 0, 1));

        assertThat(fetched.records()).extracting(SourceRecord::seq).containsExactly(1L);
        assertThat(fetched.missing()).containsExactly(0L);
        assertThat(indexes(table)).contains(table + "_key_seq", table + "_nullkey_seq");
    }

    @Test
    void fetchCreatesTheTableFirstWhenMigrateIsOnAndStartDidNotMigrate() throws Exception {
        String table = uniqueTable();
        JdbcReplaySource source = new JdbcReplaySource(JdbcReplaySource.Settings.defaults(URL)
                .withCredentials("postgres", null).withTable(table).withMigrate(true));

        Fetched fetched = source.fetch(request(null, 3, 4));

        assertThat(fetched.records()).isEmpty();
        assertThat(fetched.missing()).containsExactly(3L, 4L);
        assertThat(indexes(table)).contains(table + "_pkey");
    }

    @Test
    void aMissingTableIsAReplaySourceExceptionNamingIt() {
        JdbcReplaySource source = new JdbcReplaySource(JdbcReplaySource.Settings.defaults(URL)
                .withCredentials("postgres", null).withTable(uniqueTable()));

        assertThatThrownBy(() -> source.fetch(request(null, 0, 0)))
                .isInstanceOf(ReplaySourceException.class)
                .hasMessageContaining(source.settings().table())
                .hasMessageContaining("does not exist");
    }

    @Test
    void headersThatAreNotAnObjectOfBase64StringsAreRejectedNamingTheSeq() throws Exception {
        JdbcReplaySource source = migratedDefault();
        insert(source.settings().table(), "orders", null, "svc-1", 7, 4, utf8("v"), "{\"h\": 12}");

        assertThatThrownBy(() -> source.fetch(request(null, 0, 9)))
                .isInstanceOf(ReplaySourceException.class)
                .hasMessageContaining("header h of seq 4 is not a base64 string");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bad;drop", "t; DROP TABLE x", "x --", "1abc", "a-b", "a.b.c", "\"quoted\"", "",
            "a b", "t/*", "tablé"})
    void tableAndColumnNamesThatAreNotPlainIdentifiersAreRejected(String name) {
        JdbcReplaySource.Settings ok = JdbcReplaySource.Settings.defaults(URL);

        assertThatThrownBy(() -> ok.withTable(name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seqaudit.replay.jdbc.table");
        assertThatThrownBy(() -> new JdbcReplaySource.Settings(URL, Optional.empty(), Optional.empty(),
                Duration.ofSeconds(1), "t", "topic", name, "producer", "epoch", "seq", "payload", "headers", false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seqaudit.replay.jdbc.key-column");
    }

    @Test
    void plainAndSchemaQualifiedIdentifiersAreAccepted() {
        assertThat(JdbcReplaySource.Settings.defaults(URL).withTable("app.Outbox_2").table()).isEqualTo("app.Outbox_2");
        assertThat(JdbcReplaySource.Settings.defaults(URL).withTable("_t").table()).isEqualTo("_t");
    }

    @Test
    void anUnreachableDatabaseIsAReplaySourceException() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        JdbcReplaySource source = new JdbcReplaySource(JdbcReplaySource.Settings.defaults(
                "jdbc:postgresql://127.0.0.1:" + closedPort + "/seqaudit").withCredentials("postgres", null));

        assertThatThrownBy(() -> source.fetch(request(null, 0, 0)))
                .isInstanceOf(ReplaySourceException.class)
                .hasMessageContaining("the jdbc replay source")
                .hasMessageContaining("Connection to 127.0.0.1:" + closedPort + " refused");
    }

    @Test
    void thePasswordIsNotShownInTheSettings() {
        assertThat(JdbcReplaySource.Settings.defaults(URL).withCredentials("app", "s3cret").toString())
                .contains("app").doesNotContain("s3cret");
    }
}

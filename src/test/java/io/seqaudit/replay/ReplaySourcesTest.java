package io.seqaudit.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.DurationConverter;
import io.seqaudit.config.SeqauditConfig;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real {@code seqaudit.*} mapping, built by SmallRye Config from properties, without starting Quarkus. */
class ReplaySourcesTest {

    private static SeqauditConfig.Replay replay(String... keyValues) {
        Map<String, String> props = new HashMap<>();
        props.put("seqaudit.topics", "orders");
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put(keyValues[i], keyValues[i + 1]);
        }
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(SeqauditConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(props, "test", 500))
                .build();
        return config.getConfigMapping(SeqauditConfig.class).replay();
    }

    @Test
    void noSourceByDefaultAndTheDocumentedDefaults() {
        SeqauditConfig.Replay r = replay();

        assertThat(ReplaySources.select(r)).isEmpty();
        assertThat(r.source()).isEqualTo("none");
        assertThat(r.retention()).isEqualTo(Duration.ofDays(7));
        assertThat(r.http().url()).isEmpty();
        assertThat(r.http().timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(r.http().maxAttempts()).isEqualTo(5);
        assertThat(r.http().backoff()).isEqualTo(Duration.ofMillis(200));
        assertThat(r.http().maxBackoff()).isEqualTo(Duration.ofSeconds(5));
        assertThat(r.jdbc().url()).isEmpty();
        assertThat(r.jdbc().timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(r.jdbc().table()).isEqualTo("seqaudit_outbox");
        assertThat(r.jdbc().keyColumn()).isEqualTo("record_key");
        assertThat(r.jdbc().valueColumn()).isEqualTo("payload");
        assertThat(r.jdbc().headersColumn()).isEqualTo("headers");
        assertThat(r.jdbc().migrate()).isFalse();
    }

    @Test
    void httpSourceWithoutUrlIsAStartupErrorNamingTheProperty() {
        assertThatThrownBy(() -> ReplaySources.select(replay("seqaudit.replay.source", "http")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seqaudit.replay.http.url").hasMessageContaining("SEQAUDIT_REPLAY_HTTP_URL");
    }

    @Test
    void jdbcSourceWithoutUrlIsAStartupErrorNamingTheProperty() {
        assertThatThrownBy(() -> ReplaySources.select(replay("seqaudit.replay.source", "jdbc")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seqaudit.replay.jdbc.url").hasMessageContaining("SEQAUDIT_REPLAY_JDBC_URL");
    }

    @Test
    void anUnknownSourceNameIsAStartupError() {
        assertThatThrownBy(() -> ReplaySources.select(replay("seqaudit.replay.source", "kafka")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be none, http or jdbc, not 'kafka'");
    }

    @Test
    void httpSourceIsBuiltFromItsSettings() {
        ReplaySource source = ReplaySources.select(replay("seqaudit.replay.source", "HTTP",
                "seqaudit.replay.http.url", "http://127.0.0.1:8080/replay?from={fromSeq}&secret=x")).orElseThrow();

        assertThat(source).isInstanceOf(HttpReplaySource.class);
        assertThat(source.name()).isEqualTo("http");
        assertThat(((HttpReplaySource) source).describe()).isEqualTo("http://127.0.0.1:8080/replay");
    }

    @Test
    void jdbcSourceIsBuiltWithTheConfiguredNames() {
        ReplaySource source = ReplaySources.select(replay("seqaudit.replay.source", "jdbc",
                "seqaudit.replay.jdbc.url", "jdbc:postgresql://127.0.0.1:5432/app",
                "seqaudit.replay.jdbc.table", "app.outbox", "seqaudit.replay.jdbc.value-column", "body",
                "seqaudit.replay.jdbc.timeout", "2s")).orElseThrow();

        assertThat(source.name()).isEqualTo("jdbc");
        JdbcReplaySource.Settings s = ((JdbcReplaySource) source).settings();
        assertThat(s.table()).isEqualTo("app.outbox");
        assertThat(s.valueColumn()).isEqualTo("body");
        assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(((JdbcReplaySource) source).placeholders()).containsEntry("table", "app.outbox")
                .containsEntry("table_name", "outbox").containsEntry("value_column", "body");
    }

    @Test
    void aJdbcTableNameThatIsNotAnIdentifierIsAStartupError() {
        assertThatThrownBy(() -> ReplaySources.select(replay("seqaudit.replay.source", "jdbc",
                "seqaudit.replay.jdbc.url", "jdbc:postgresql://127.0.0.1:5432/app",
                "seqaudit.replay.jdbc.table", "outbox;drop table users")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seqaudit.replay.jdbc.table");
    }
}

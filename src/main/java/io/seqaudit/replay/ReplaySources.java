package io.seqaudit.replay;

import io.quarkus.runtime.StartupEvent;
import io.seqaudit.config.SeqauditConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Locale;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The configured replay source ({@code seqaudit.replay.source}): none, {@code http} or {@code jdbc}. Built and
 * checked at start, so a source that is configured wrong (an {@code http} source without URL, a {@code jdbc}
 * table name that is no SQL identifier, ...) stops the service with a message naming the property, instead of
 * failing the first replay. With {@code seqaudit.replay.jdbc.migrate=true} the outbox table is created at start;
 * if the database is not reachable then, the start goes on and the first fetch tries again.
 */
@ApplicationScoped
public class ReplaySources {

    private static final Logger LOG = Logger.getLogger(ReplaySources.class);

    private final Optional<ReplaySource> source;

    public ReplaySources(SeqauditConfig config) {
        this.source = select(config.replay());
    }

    /**
     * The source {@code seqaudit.replay.source} names, built from its settings; empty for {@code none}.
     *
     * @throws IllegalArgumentException naming the property that is missing or wrong
     */
    public static Optional<ReplaySource> select(SeqauditConfig.Replay config) {
        String name = config.source().strip().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "none" -> Optional.empty();
            case HttpReplaySource.NAME -> Optional.of(new HttpReplaySource(
                    HttpReplaySource.Settings.from(config.http())));
            case JdbcReplaySource.NAME -> Optional.of(new JdbcReplaySource(
                    JdbcReplaySource.Settings.from(config.jdbc())));
            default -> throw new IllegalArgumentException("seqaudit.replay.source must be none, http or jdbc, not '"
                    + config.source() + "'");
        };
    }

    /** The configured source; empty when losses are only reported, never replayed. */
    public Optional<ReplaySource> source() {
        return source;
    }

    /** Closes the http source's client (its connections); after the replayer's last tick (its shutdown waits). */
    @PreDestroy
    void close() {
        if (source.isPresent() && source.get() instanceof HttpReplaySource http) {
            http.close();
        }
    }

    void start(@Observes StartupEvent ev) {
        if (source.isEmpty()) {
            LOG.info("No replay source (seqaudit.replay.source=none): losses are reported, never replayed");
        } else if (source.get() instanceof HttpReplaySource http) {
            LOG.infof("Replay source: http, GET %s", http.describe());
        } else if (source.get() instanceof JdbcReplaySource jdbc) {
            LOG.infof("Replay source: jdbc, %s", jdbc.settings());
            if (jdbc.settings().migrate()) {
                try {
                    jdbc.migrate();
                } catch (ReplaySourceException e) {
                    LOG.warnf("%s; the first replay will try again", e.getMessage());
                }
            }
        }
    }
}

package io.seqaudit.replay;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.seqaudit.config.SeqauditConfig;
import io.seqaudit.metrics.ReplayMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The replayer: asks for replays (idempotently) and works on them on its own thread ({@code seqaudit-replayer}):
 * fetch from the source of truth, publish in one Kafka transaction, then verify through the auditor's state that
 * every seq arrived. Several instances may run: a Redis lease per replay keeps one at work on it.
 *
 * <p>Publishing nothing twice: before a replay publishes, and before it is verified, the replayer waits until the
 * auditor has read every partition of the topic up to its last committed offset, and publishes only seqs the
 * auditor still misses. A replay killed after its transaction committed but before its state was written finds
 * them arrived on resume and publishes nothing; one killed before the commit left nothing visible.
 */
@ApplicationScoped
public class ReplayService {

    private static final Logger LOG = Logger.getLogger(ReplayService.class);
    private static final Duration LEASE = Duration.ofSeconds(60);

    private final SeqauditConfig config;
    private final ReplayStore replays;
    private final ReplayWork work;
    private final ReplayMetrics metrics;
    private final Optional<ReplaySource> source;
    private final String owner;
    private volatile boolean running = true;
    private Thread thread;
    private double autoTokens;
    private long autoRefilledAt = System.nanoTime();

    public ReplayService(SeqauditConfig config, ReplayStore replays, ReplayWork work, ReplayMetrics metrics,
            ReplaySources sources) {
        this.config = config;
        this.replays = replays;
        this.work = work;
        this.metrics = metrics;
        this.source = sources.source();
        this.owner = work.owner();
    }

    /** Whether a source of truth is configured: without one, losses are reported and never replayed. */
    public boolean enabled() {
        return source.isPresent();
    }

    void start(@Observes StartupEvent ev) {
        config.topics().forEach(metrics::register);
        if (source.isEmpty()) {
            return;
        }
        thread = new Thread(this::loop, "seqaudit-replayer");
        thread.setDaemon(true);
        thread.start();
        LOG.infof("Replaying from source '%s'%s", source.get().name(), config.replay().auto() ? ", automatically" : "");
    }

    void stop(@Observes ShutdownEvent ev) {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /**
     * Asks for a replay of {@code from..to} of a stream. Idempotent: the same (stream, range) gives the same
     * replay, created once. Does not check the range against the gaps: any missing seq of it is replayed.
     */
    public ReplayView request(ReplayTarget t, String who) {
        String now = Instant.now().toString();
        ReplayView fresh = new ReplayView(t.ref().replayId(t.fromSeq(), t.toSeq()), t.ref().topic(),
                t.ref().keyText(), t.ref().keyBase64(), t.ref().producer(), t.ref().epoch(), t.fromSeq(), t.toSeq(),
                t.gapId(), ReplayView.PENDING, t.toSeq() - t.fromSeq() + 1, 0, List.of(), null, 0, who, now, now);
        ReplayView stored = replays.createIfAbsent(fresh);
        if (ReplayView.FAILED.equals(stored.state()) && !"auto".equals(who)) {
            // An operator asking again for a failed replay means: try the source again.
            stored = stored.with(ReplayView.PENDING, 0, List.of(), null, 0, now);
            replays.put(stored);
            LOG.infof("Replay %s restarted by %s after it failed", stored.id(), who);
        } else if (stored == fresh) {
            LOG.infof("Replay %s requested by %s: topic %s, producer %s, epoch %d, seqs %d..%d", stored.id(), who,
                    t.ref().topic(), t.ref().producer(), t.ref().epoch(), t.fromSeq(), t.toSeq());
        }
        return stored;
    }

    private void loop() {
        while (running) {
            try {
                for (String topic : config.topics()) {
                    if (config.replay().auto()) {
                        autoRequest(topic);
                    }
                    for (ReplayView r : replays.list(topic)) {
                        if (r.active() && work.lease(r, owner, LEASE)) {
                            step(r);
                        }
                    }
                }
            } catch (RuntimeException e) {
                LOG.warnf("Replayer step failed, retrying: %s", e.toString());
            }
            try {
                Thread.sleep(config.replay().interval().toMillis()); // a worker's pacing, not a test wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void step(ReplayView r) {
        ReplayView next = ReplayView.PENDING.equals(r.state()) ? work.publish(r, source.get(), config.replay().maxFetches())
                : work.verify(r);
        if (next != r) {
            replays.put(next);
            if (!next.active()) {
                long unrecoverable = next.missingInSource().size();
                metrics.ended(r.topic(), next.state(), next.republished(), unrecoverable);
                LOG.infof("Replay %s ended %s: %d republished, %d not in the source%s", next.id(), next.state(),
                        next.republished(), unrecoverable, next.error() == null ? "" : ", error: " + next.error());
            }
        }
    }

    /** Starts replays for lost gaps that have none, within the rate limit and the cap on concurrent replays. */
    private void autoRequest(String topic) {
        long nowNs = System.nanoTime();
        autoTokens = Math.min(Math.max(1, config.replay().autoRate()),
                autoTokens + (nowNs - autoRefilledAt) / 1e9 * config.replay().autoRate());
        autoRefilledAt = nowNs;
        List<ReplayView> all = replays.list(topic);
        long active = all.stream().filter(ReplayView::active).count();
        for (ReplayTarget t : work.lostGapsWithoutReplay(topic, all, config.replay().maxRange())) {
            if (autoTokens < 1 || active >= config.replay().maxConcurrent()) {
                return;
            }
            request(t, "auto");
            autoTokens--;
            active++;
        }
    }
}

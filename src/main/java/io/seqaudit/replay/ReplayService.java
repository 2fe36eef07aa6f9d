package io.seqaudit.replay;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.seqaudit.config.SeqauditConfig;
import io.seqaudit.metrics.ReplayMetrics;
import io.seqaudit.state.StateUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * The replayer: asks for replays (idempotently) and works on them in a scheduled tick
 * ({@code seqaudit.replay.interval}, one tick at a time, on a Quarkus scheduler worker thread): fetch from the
 * source of truth, publish in one Kafka transaction, then verify through the auditor's state that every seq
 * arrived. Several instances may run: a Redis lease per replay keeps one at work on it.
 *
 * <p>Publishing nothing twice: before a replay publishes, and before it is verified, the replayer waits until the
 * auditor has read every partition of the topic up to its last committed offset, and publishes only seqs the
 * auditor still misses. A replay killed after its transaction committed but before its state was written finds
 * them arrived on resume and publishes nothing; one killed before the commit left nothing visible.
 *
 * <p>Each tick reads only the replays at work (pending, published); finished ones are deleted once they ended
 * longer than {@code seqaudit.replay.retention} ago, by the same tick.
 *
 * <p>Failures: Redis unavailable ends the tick (every replay needs it; the next tick retries). Any other error of
 * one replay's step ends that replay {@code failed} with the error (counted in
 * {@code seqaudit_replays_total{outcome="failed"}}, logged once): it never holds up the others.
 */
@ApplicationScoped
public class ReplayService {

    private static final Logger LOG = Logger.getLogger(ReplayService.class);
    private static final Duration LEASE = Duration.ofSeconds(60);
    /** How long shutdown waits for a tick in flight: a fetch is bounded by the source's timeouts. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);

    private final SeqauditConfig config;
    private final ReplayStore replays;
    private final ReplayWork work;
    private final ReplayMetrics metrics;
    private final Optional<ReplaySource> source;
    private final Optional<RateLimiter> autoRate;
    private final String owner;
    /** Held by a tick while it works; {@link #stop} takes it to wait for the tick in flight. */
    private final ReentrantLock working = new ReentrantLock();
    private volatile boolean running;

    public ReplayService(SeqauditConfig config, ReplayStore replays, ReplayWork work, ReplayMetrics metrics,
            ReplaySources sources) {
        this.config = config;
        this.replays = replays;
        this.work = work;
        this.metrics = metrics;
        this.source = sources.source();
        this.autoRate = source.isPresent() && config.replay().auto() ? Optional.of(autoRateLimiter(config)) : Optional.empty();
        this.owner = work.owner();
    }

    private static RateLimiter autoRateLimiter(SeqauditConfig config) {
        double rate = config.replay().autoRate();
        try {
            // A burst of one second's worth: after a quiet spell the replayer starts at most that many at once.
            return new RateLimiter(rate, (int) Math.max(1, Math.min(Integer.MAX_VALUE, rate)), System::nanoTime);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("seqaudit.replay.auto-rate: " + e.getMessage(), e);
        }
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
        running = true;
        LOG.infof("Replaying from source '%s'%s", source.get().name(), config.replay().auto() ? ", automatically" : "");
    }

    /** Stops ticking and waits for the tick in flight, so the publisher is not closed under it. */
    void stop(@Observes ShutdownEvent ev) {
        running = false;
        try {
            if (working.tryLock(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                working.unlock();
            } else {
                LOG.warnf("The replayer's tick did not end within %s of shutdown", STOP_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
                t.gapId(), ReplayView.State.PENDING, t.toSeq() - t.fromSeq() + 1, 0, List.of(), null, 0, who, now, now);
        ReplayView stored = replays.createIfAbsent(fresh);
        if (stored.state() == ReplayView.State.FAILED && !"auto".equals(who)) {
            // An operator asking again for a failed replay means: try the source again.
            stored = stored.with(ReplayView.State.PENDING, 0, List.of(), null, 0, now);
            replays.put(stored);
            LOG.infof("Replay %s restarted by %s after it failed", stored.id(), who);
        } else if (stored == fresh) {
            LOG.infof("Replay %s requested by %s: topic %s, producer %s, epoch %d, seqs %d..%d", stored.id(), who,
                    t.ref().topic(), t.ref().producer(), t.ref().epoch(), t.fromSeq(), t.toSeq());
        }
        return stored;
    }

    /** One round over every topic's replays; skipped while the previous round still runs. */
    @Scheduled(identity = "seqaudit-replayer", every = "${seqaudit.replay.interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (!running || !working.tryLock()) {
            return;
        }
        try {
            Instant endedBy = Instant.now().minus(config.replay().retention());
            for (String topic : config.topics()) {
                long deleted = replays.deleteEndedBy(topic, endedBy);
                if (deleted > 0) {
                    LOG.debugf("Deleted %d replays of %s that ended before %s (seqaudit.replay.retention)", deleted,
                            topic, endedBy);
                }
                if (autoRate.isPresent()) {
                    autoRequest(topic);
                }
                // Only the replays at work: the ended ones (kept for the retention) are never read here.
                for (ReplayView r : replays.active(topic)) {
                    if (!running) {
                        return;
                    }
                    if (work.lease(r, owner, LEASE)) {
                        step(r);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("Replayer tick failed, retrying at the next one: %s", e.toString());
        } finally {
            working.unlock();
        }
    }

    private void step(ReplayView r) {
        ReplayView next;
        try {
            next = r.state() == ReplayView.State.PENDING ? work.publish(r, source.get(), config.replay().maxFetches())
                    : work.verify(r);
        } catch (StateUnavailableException e) {
            throw e; // Redis is down for every replay: end the tick
        } catch (RuntimeException e) {
            // This replay's own data makes the step throw: retrying would throw again, and would hold up the rest.
            LOG.errorf(e, "Replay %s failed: its step threw", r.id());
            next = r.with(ReplayView.State.FAILED, r.republished(), r.missingInSource(), "replayer error: " + e,
                    r.fetches(), Instant.now().toString());
        }
        if (next != r) {
            replays.put(next);
            if (!next.active()) {
                long unrecoverable = next.missingInSource().size();
                metrics.ended(r.topic(), next.state().tag(), next.republished(), unrecoverable);
                LOG.infof("Replay %s ended %s: %d republished, %d not in the source%s", next.id(), next.state(),
                        next.republished(), unrecoverable, next.error() == null ? "" : ", error: " + next.error());
            }
        }
    }

    /** Starts replays for lost gaps that have none, within the rate limit and the cap on concurrent replays. */
    private void autoRequest(String topic) {
        long active = replays.active(topic).size();
        for (ReplayTarget t : work.lostGapsWithoutReplay(topic, config.replay().maxRange())) {
            if (active >= config.replay().maxConcurrent() || autoRate.get().tryAcquire() > 0) {
                return;
            }
            request(t, "auto");
            active++;
        }
    }
}

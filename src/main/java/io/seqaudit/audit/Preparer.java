package io.seqaudit.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Audits one poll's batches on a thread of its own while the consumer thread polls the next one, so that Kafka's
 * fetching and record parsing (a third of the consumer thread's time at 1,000 keys, docs/benchmarks.md, seventh
 * session) overlaps the audit instead of preceding it. Used for full polls only (a backlog), where the next poll
 * returns at once: a caught-up auditor audits inline, so that each batch is stored without waiting for a poll.
 *
 * <p>Threads: {@link #submit} and {@link #join} are called by the consumer thread only. Ownership of the auditors
 * is handed over, never shared: between {@code submit} and {@code join} the preparer thread alone touches the
 * submitted auditors (and the consumer thread only polls); after {@code join} the consumer thread alone does. The
 * executor's submit and the future's get are the happens-before edges of both hand-overs.
 *
 * <p>Failure: whatever {@link TopicAuditor#prepare} throws (Redis down while it reads streams it had evicted) is
 * thrown by {@link #join} on the consumer thread, as if the consumer thread had prepared the batch itself.
 */
final class Preparer implements AutoCloseable {

    /** One topic's poll to audit. */
    record Job(TopicAuditor auditor, Map<Integer, List<ConsumerRecord<byte[], byte[]>>> batch,
            Map<Integer, Long> caughtUp, Map<Integer, Long> positions, long now) {
    }

    /** A job's batch, audited and turned into checkpoints, not sent. */
    record Done(Job job, TopicAuditor.Prepared prepared) {
    }

    private final ExecutorService executor;
    private final Function<Job, TopicAuditor.Prepared> prepare;
    /** The jobs submitted and not joined yet; consumer thread only. */
    private Future<List<Done>> running;

    Preparer(String threadName) {
        this(threadName, j -> j.auditor().prepare(j.batch(), j.caughtUp(), j.positions(), j.now()));
    }

    /** @param prepare audits one job (tests give their own) */
    Preparer(String threadName, Function<Job, TopicAuditor.Prepared> prepare) {
        this.prepare = prepare;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts auditing the jobs, in order, on the preparer thread. Call only when nothing is submitted. */
    void submit(List<Job> jobs) {
        if (running != null) {
            throw new IllegalStateException("a poll is being prepared already: join it first");
        }
        if (jobs.isEmpty()) {
            return;
        }
        running = executor.submit(() -> {
            List<Done> out = new ArrayList<>(jobs.size());
            for (Job j : jobs) {
                out.add(new Done(j, prepare.apply(j)));
            }
            return out;
        });
    }

    /**
     * Waits for the submitted jobs and hands their auditors back to the consumer thread: their batches, or none if
     * nothing was submitted. Rethrows the preparer's failure.
     */
    List<Done> join() {
        Future<List<Done>> f = running;
        running = null;
        if (f == null) {
            return List.of();
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    // The auditors are the preparer's until it is done: wait it out, then keep the interrupt.
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits for the submitted jobs, if any, and throws their batches away (never sent: they are read again). */
    void discard() {
        try {
            join();
        } catch (RuntimeException e) {
            // Thrown away anyway; what failed is read again from the offsets Redis holds.
        }
    }

    /** Whether jobs are submitted and not joined. */
    boolean busy() {
        return running != null;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}

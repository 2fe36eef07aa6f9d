package io.seqaudit.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqaudit.state.StateUnavailableException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PreparerTest {

    private static final String THREAD = "preparer-under-test";
    private final Map<Long, String> preparedOn = new ConcurrentHashMap<>();
    private Preparer preparer;

    @AfterEach
    void close() {
        preparer.close();
    }

    private static Preparer.Job job(long now) {
        return new Preparer.Job(null, Map.of(), Map.of(), Map.of(), now);
    }

    private TopicAuditor.Prepared recordingThread(Preparer.Job j) {
        preparedOn.put(j.now(), Thread.currentThread().getName());
        return new TopicAuditor.Prepared(null, List.of());
    }

    @Test
    void joinHandsBackEveryJobInTheOrderSubmittedPreparedOnThePreparersThread() {
        preparer = new Preparer(THREAD, this::recordingThread);
        List<Preparer.Job> jobs = List.of(job(3), job(1), job(2));

        preparer.submit(jobs);
        List<Preparer.Done> done = preparer.join();

        assertThat(done).extracting(Preparer.Done::job).containsExactlyElementsOf(jobs);
        assertThat(preparedOn).containsOnlyKeys(1L, 2L, 3L);
        assertThat(preparedOn.values()).containsOnly(THREAD);
        assertThat(preparer.busy()).isFalse();
    }

    @Test
    void joinWithNothingSubmittedHandsBackNothing() {
        preparer = new Preparer(THREAD, this::recordingThread);

        preparer.submit(List.of());

        assertThat(preparer.busy()).isFalse();
        assertThat(preparer.join()).isEmpty();
    }

    @Test
    void aFailureOnThePreparersThreadIsThrownByJoinAsItWas() {
        StateUnavailableException failure = new StateUnavailableException("redis down", null);
        preparer = new Preparer(THREAD, j -> {
            throw failure;
        });

        preparer.submit(List.of(job(1)));

        assertThatThrownBy(preparer::join).isSameAs(failure);
        assertThat(preparer.busy()).isFalse();
    }

    @Test
    void aSecondSubmitBeforeTheJoinIsRefused() {
        preparer = new Preparer(THREAD, this::recordingThread);
        preparer.submit(List.of(job(1)));

        assertThatThrownBy(() -> preparer.submit(List.of(job(2)))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("join it first");
        assertThat(preparer.join()).hasSize(1);
    }

    @Test
    void discardWaitsForTheJobsThenDropsThemAndTheirFailure() throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        preparer = new Preparer(THREAD, j -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("thrown away");
        });
        preparer.submit(List.of(job(1)));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        Thread discarding = new Thread(preparer::discard);
        discarding.start();
        discarding.join(200);
        assertThat(discarding.isAlive()).as("discard waits while the job runs").isTrue();
        release.countDown();
        discarding.join(10_000);

        assertThat(discarding.isAlive()).isFalse();
        assertThat(preparer.busy()).isFalse();
        assertThat(preparer.join()).isEmpty();
    }
}

package io.seqaudit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/**
 * Issue 18, shown on real brokers (separate JVMs, {@code deploy/local/kafka-cluster.sh}): a topic with RF 3,
 * {@code min.insync.replicas=1} and unclean election on; a producer with {@code acks=1} journals every
 * acknowledgement while the packaged auditor follows, caught up. One follower is held back (replication throttle,
 * then SIGSTOP), the other stopped, the leader killed with {@code kill -9}, the stale follower elected uncleanly and
 * the old leader restarted (it truncates its log to the new leader's). Truth: the journal against the topic read
 * back afterwards. Expected: every acknowledged-then-truncated seq reported lost, nothing else.
 *
 * <p>Two truncations in a row: in the first the auditor runs throughout and handles it live; in the second it is
 * frozen (SIGSTOP) before the leader is killed and killed with {@code kill -9} once the log was truncated, so the
 * truncation is found by the next auditor, from the leader epoch stored with its offsets. After each, the findings
 * are checked against the truth so far. Skipped with {@code -Dseqaudit.it.truncation=false} (about two minutes).
 */
@ResourceLock("kafka-cluster")
@Order(Order.DEFAULT + 2) // after the ITs without the lock: see the failsafe configuration in pom.xml
@ExtendWith(SharedKafkaCluster.class)
class UncleanElectionIT {

    private static final int PARTITIONS = 1;

    @Test
    @DisabledIfSystemProperty(named = "seqaudit.it.truncation", matches = "false")
    void everyAcknowledgedSeqTruncatedByUncleanElectionsIsReportedLostAlsoAcrossAnAuditorKill(
            KafkaClusterSupport cluster) {
        try (BrokerFailoverRun run = new BrokerFailoverRun("unclean-election", cluster)) {
            cluster.createTopic(run.topic, PARTITIONS, Map.of("min.insync.replicas", "1",
                    "unclean.leader.election.enable", "true"));
            cluster.createTopic(run.beaconTopic(), 1, Map.of());
            run.startAuditor();
            JournalingProducer producer = new JournalingProducer(cluster.bootstrap(), run.topic, 100, "1",
                    "unclean-" + run.run, run.beaconTopic()).start();
            try (producer) {
                awaitAcked(producer, 2_000);
                Set<String> first = truncate(cluster, run, producer, false);
                checkFindings(cluster, run, producer, "after the first truncation (auditor live)");
                Set<String> second = truncate(cluster, run, producer, true);
                assertThat(second).as("the second election truncated other records").isNotEmpty()
                        .doesNotContainAnyElementsOf(first);
                checkFindings(cluster, run, producer, "after the second truncation (auditor killed across it)");
            } finally {
                cluster.restoreAll(); // the next test finds 3 brokers whatever happened here
            }
        }
    }

    /**
     * One unclean election that truncates acknowledged records; with {@code killAuditor} the auditor is frozen
     * through it and replaced by a new one afterwards. Returns the acknowledged seqs this election truncated.
     */
    private static Set<String> truncate(KafkaClusterSupport cluster, BrokerFailoverRun run,
            JournalingProducer producer, boolean killAuditor) {
        // Acknowledged records already gone before this election (an earlier one truncated them).
        Set<String> goneBefore = truncatedSoFar(cluster, producer);
        int leader = cluster.leader(run.topic, 0);
        List<Integer> others = cluster.isr(run.topic, 0).stream().filter(b -> b != leader).toList();
        int stale = others.get(0);
        int stopped = others.get(1);
        // Hold one follower back, stop the other: the leader is alone in the ISR and acks=1 still succeeds.
        cluster.throttleFollower(stale, run.topic, 1_000);
        cluster.pause(stale);
        cluster.stopBroker(stopped);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> cluster.isr(run.topic, 0).equals(List.of(leader)));
        awaitAcked(producer, 3_000);
        run.awaitCaughtUp(PARTITIONS); // the auditor has read what is about to be truncated
        long endBefore = run.endOffsets(PARTITIONS).get(0);
        run.note("leader " + leader + " alone in the ISR; end offset " + endBefore + ", auditor caught up");
        AuditorProcess frozen = null;
        if (killAuditor) {
            frozen = run.auditor();
            frozen.freeze();
            run.note(frozen + " frozen");
        }

        cluster.kill(leader);
        cluster.resume(stale);
        TopicPartition tp = new TopicPartition(run.topic, 0);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> {
            try {
                cluster.electUnclean(List.of(tp));
            } catch (IllegalStateException e) {
                // not eligible yet (still fenced) or already elected by the controller: look again
            }
            return cluster.leader(run.topic, 0) == stale && answersOffsets(run);
        });
        long endAfter = run.endOffsets(PARTITIONS).get(0);
        run.note("broker " + stale + " elected uncleanly; end offset " + endBefore + " -> " + endAfter);
        awaitAcked(producer, 2_000); // new records at the reused offsets
        cluster.unthrottle(stale);
        cluster.startBrokers(leader, stopped); // the old leader truncates its log to the new leader's
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> cluster.isr(run.topic, 0).size() == 3);
        if (frozen != null) {
            assertThat(frozen.kill()).isEqualTo(AuditorProcess.SIGKILL_EXIT);
            run.note(frozen + " killed with kill -9 before it could see the truncation");
            run.startAuditor();
        }
        awaitAcked(producer, 1_000);
        Set<String> truncated = truncatedSoFar(cluster, producer);
        truncated.removeAll(goneBefore);
        run.note("this election truncated " + truncated.size() + " acknowledged records");
        assertThat(truncated).as("the unclean election truncated acknowledged records").isNotEmpty();
        return truncated;
    }

    /** Acknowledged seqs not in the log, read with the producer held (nothing in flight, so nothing racing). */
    private static Set<String> truncatedSoFar(KafkaClusterSupport cluster, JournalingProducer producer) {
        producer.hold();
        try {
            Set<String> gone = new TreeSet<>(producer.acked());
            gone.removeAll(producer.readBack(cluster.bootstrap(), PARTITIONS));
            return gone;
        } finally {
            producer.release();
        }
    }

    /**
     * Every acknowledged seq missing from the log is reported lost, and nothing else: checked with the producer
     * held, once the auditor has read everything and no seq is suspected any more.
     */
    private static void checkFindings(KafkaClusterSupport cluster, BrokerFailoverRun run,
            JournalingProducer producer, String when) {
        producer.hold();
        Set<String> present = producer.readBack(cluster.bootstrap(), PARTITIONS);
        Set<String> truncated = new TreeSet<>(producer.acked());
        truncated.removeAll(present);
        Set<String> missing = new TreeSet<>(truncated);
        missing.addAll(producer.failed());
        missing.removeAll(present);
        run.awaitSettled(PARTITIONS);
        Set<String> lost = run.lostSeqs();
        producer.release();
        Set<String> caught = new TreeSet<>(lost);
        caught.retainAll(truncated);
        Set<String> falseFindings = new TreeSet<>(lost);
        falseFindings.removeAll(missing);
        run.note(when + ": acknowledged " + producer.acked().size() + ", failed " + producer.failed().size()
                + ", acknowledged then truncated " + truncated.size() + "; reported lost " + lost.size()
                + ", of them truncated " + caught.size() + ", missed " + (truncated.size() - caught.size())
                + ", false " + falseFindings.size());
        assertThat(falseFindings).as("false findings " + when).isEmpty();
        assertThat(lost).as("every acknowledged-then-truncated seq reported lost " + when).containsAll(truncated);
        Map<String, String> stages = run.lostStages();
        Set<String> notBroker = new TreeSet<>(truncated);
        notBroker.removeIf(seq -> "broker".equals(stages.get(seq)));
        assertThat(notBroker).as("acknowledged-then-truncated seqs lost at a stage other than broker " + when)
                .isEmpty();
    }

    /** The new leader may be named before it serves requests (it was frozen and fenced): ask it. */
    private static boolean answersOffsets(BrokerFailoverRun run) {
        try {
            run.endOffsets(PARTITIONS);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static void awaitAcked(JournalingProducer producer, long more) {
        long from = producer.ackedCount();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> producer.ackedCount() >= from + more);
    }
}

package io.seqaudit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Issue 18, shown on real brokers (separate JVMs, {@code deploy/local/kafka-cluster.sh}): a topic with RF 3,
 * {@code min.insync.replicas=1} and unclean election on; a producer with {@code acks=1} journals every
 * acknowledgement while the packaged auditor follows, caught up. One follower is held back (replication throttle,
 * then SIGSTOP), the other stopped, the leader killed with {@code kill -9}, the stale follower elected uncleanly and
 * the old leader restarted (it truncates its log to the new leader's). Truth: the journal against the topic read
 * back afterwards. Expected: every acknowledged-then-truncated seq reported lost, nothing else.
 *
 * <p>Today the auditor misses most of them (it had read them from the old leader before the truncation), so the
 * case runs only with {@code -Dseqaudit.it.truncation=true} until the fix lands; it prints its figures either way.
 */
class UncleanElectionIT {

    private static final int PARTITIONS = 1;

    @Test
    @EnabledIfSystemProperty(named = "seqaudit.it.truncation", matches = "true")
    void everyAcknowledgedSeqTruncatedByAnUncleanElectionIsReportedLost() {
        try (KafkaClusterSupport cluster = KafkaClusterSupport.startOrReuse();
                BrokerFailoverRun run = new BrokerFailoverRun("unclean-election", cluster)) {
            cluster.createTopic(run.topic, PARTITIONS, Map.of("min.insync.replicas", "1",
                    "unclean.leader.election.enable", "true"));
            run.startAuditor();
            try {
                truncateAndCheck(cluster, run);
            } finally {
                cluster.restoreAll(); // the next test finds 3 brokers whatever happened here
            }
        }
    }

    private static void truncateAndCheck(KafkaClusterSupport cluster, BrokerFailoverRun run) {
        {
            int leader = cluster.leader(run.topic, 0);
            List<Integer> others = cluster.isr(run.topic, 0).stream().filter(b -> b != leader).toList();
            int stale = others.get(0);
            int stopped = others.get(1);
            JournalingProducer producer = new JournalingProducer(cluster.bootstrap(), run.topic, 100, "1",
                    "unclean-" + run.run).start();
            try (producer) {
                awaitAcked(producer, 2_000);
                // Hold one follower back, stop the other: the leader is alone in the ISR and acks=1 still succeeds.
                cluster.throttleFollower(stale, run.topic, 1_000);
                cluster.pause(stale);
                cluster.stopBroker(stopped);
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> cluster.isr(run.topic, 0).equals(List.of(leader)));
                awaitAcked(producer, 3_000);
                run.awaitCaughtUp(PARTITIONS); // the auditor has read what is about to be truncated
                long endBefore = run.endOffsets(PARTITIONS).get(0);
                run.note("leader " + leader + " alone in the ISR; end offset " + endBefore + ", auditor caught up");

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
                cluster.startBroker(leader); // truncates its log to the new leader's
                cluster.startBroker(stopped);
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> cluster.isr(run.topic, 0).size() == 3);
                awaitAcked(producer, 1_000);
            }
            Set<String> present = producer.readBack(cluster.bootstrap(), PARTITIONS);
            Set<String> truncated = new TreeSet<>(producer.acked());
            truncated.removeAll(present);
            Set<String> missing = new TreeSet<>(truncated);
            missing.addAll(producer.failed());
            missing.removeAll(present);
            run.awaitSettled(PARTITIONS);
            Set<String> lost = run.lostSeqs();
            Set<String> caught = new TreeSet<>(lost);
            caught.retainAll(truncated);
            Set<String> falseFindings = new TreeSet<>(lost);
            falseFindings.removeAll(missing);
            run.note("acknowledged " + producer.acked().size() + ", failed " + producer.failed().size()
                    + ", acknowledged then truncated " + truncated.size() + "; reported lost " + lost.size()
                    + ", of them truncated " + caught.size() + ", missed " + (truncated.size() - caught.size())
                    + ", false " + falseFindings.size());
            assertThat(truncated).as("the unclean election truncated acknowledged records").isNotEmpty();
            assertThat(falseFindings).as("false findings").isEmpty();
            assertThat(lost).as("every acknowledged-then-truncated seq reported lost").containsAll(truncated);
        }
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

package io.seqaudit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Issue 18's control case on real brokers (separate JVMs, {@code deploy/local/kafka-cluster.sh}): with
 * {@code acks=all}, {@code min.insync.replicas=2} and unclean election off, killing the partition leader with
 * {@code kill -9} three times loses nothing the producer had acknowledged, and the auditor, running throughout,
 * reports nothing lost: its lost seqs are exactly the seqs missing from the topic (none are expected), and no
 * duplicate (the producer is idempotent).
 */
@ResourceLock("kafka-cluster")
@Order(Order.DEFAULT + 1) // after the ITs without the lock: see the failsafe configuration in pom.xml
@ExtendWith(SharedKafkaCluster.class)
class CleanFailoverIT {

    private static final int PARTITIONS = 1;

    @Test
    void leaderKilledThreeTimesWithAcksAllLosesNothingAndReportsNothing(KafkaClusterSupport cluster) {
        try (BrokerFailoverRun run = new BrokerFailoverRun("clean-failover", cluster)) {
            cluster.createTopic(run.topic, PARTITIONS, Map.of("min.insync.replicas", "2",
                    "unclean.leader.election.enable", "false"));
            run.startAuditor();
            JournalingProducer producer = new JournalingProducer(cluster.bootstrap(), run.topic, 100, "all",
                    "clean-" + run.run).start();
            try (producer) {
                for (int kill = 1; kill <= 3; kill++) {
                    long before = producer.ackedCount();
                    await().atMost(Duration.ofSeconds(30)).until(() -> producer.ackedCount() >= before + 2_000);
                    int leader = cluster.leader(run.topic, 0);
                    cluster.kill(leader);
                    await().atMost(Duration.ofSeconds(30)).until(() -> {
                        int now = cluster.leader(run.topic, 0);
                        return now != -1 && now != leader;
                    });
                    long atKill = producer.ackedCount();
                    await().atMost(Duration.ofSeconds(30)).until(() -> producer.ackedCount() >= atKill + 1_000);
                    run.note("kill " + kill + ": leader " + leader + " killed, now " + cluster.leader(run.topic, 0)
                            + "; acknowledged so far " + producer.ackedCount());
                    cluster.startBroker(leader);
                    await().atMost(Duration.ofSeconds(60)).until(() -> cluster.isr(run.topic, 0).size() == 3);
                }
            } // closed: every send is acknowledged or failed now
            Set<String> present = producer.readBack(cluster.bootstrap(), PARTITIONS);
            Set<String> ackedGone = new TreeSet<>(producer.acked());
            ackedGone.removeAll(present);
            run.awaitSettled(PARTITIONS);
            Set<String> lost = run.lostSeqs();
            long duplicates = run.summary().at("/records/duplicate").asLong();
            run.note("sent " + producer.sent() + ", acknowledged " + producer.acked().size() + ", failed "
                    + producer.failed().size() + ", in the topic " + present.size() + ", acknowledged but gone "
                    + ackedGone.size() + "; reported lost " + lost.size() + ", duplicates " + duplicates);
            assertThat(ackedGone).as("acks=all, min.insync.replicas=2: no acknowledged record lost").isEmpty();
            // What the auditor must report lost: stamped seqs missing from the topic (failed sends only, if any).
            Set<String> missing = new TreeSet<>(producer.acked());
            missing.addAll(producer.failed());
            missing.removeAll(present);
            assertThat(lost).isEqualTo(missing);
            assertThat(lost).as("zero findings").isEmpty();
            assertThat(duplicates).isZero();
            // The informative commits fail while a leader moves: at most one WARN per episode, never an ERROR per
            // commit (there were thousands of them for three kills).
            List<String> commitLines = run.auditor().logLines("ffset commit"); // ours and the client's
            assertThat(commitLines).as("no ERROR per failed commit").noneMatch(l -> l.contains(" ERROR "));
            List<String> warnings = commitLines.stream().filter(l -> l.contains(" WARN ")).toList();
            assertThat(warnings.size()).as("a WARN or two per failover, not one per commit: %s", warnings)
                    .isLessThanOrEqualTo(6);
        }
    }
}

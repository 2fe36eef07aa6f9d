package io.seqaudit.it;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;

/**
 * The multi-node Kafka cluster of {@code deploy/local/kafka-cluster.sh} (a KRaft controller and 3 brokers, each
 * its own JVM, on 127.0.0.1:19290-19293), for failover tests: start it if it is not running (and stop it again
 * on {@link #close()} only then), kill, stop, restart, pause a broker, throttle a follower, elect a leader
 * uncleanly. Brokers are numbered 1..3 (their node ids). Used from the test thread; every failure throws.
 */
public final class KafkaClusterSupport implements AutoCloseable {

    private static final String SCRIPT = "kafka-cluster.sh";

    private final boolean startedHere;
    private final String bootstrap;
    private final Admin admin;

    private KafkaClusterSupport(boolean startedHere) {
        this.startedHere = startedHere;
        this.bootstrap = LocalScript.run(SCRIPT, "bootstrap");
        this.admin = Admin.create(Map.of("bootstrap.servers", bootstrap, "request.timeout.ms", "10000",
                "default.api.timeout.ms", "15000"));
    }

    /** Reuses a running cluster, else starts one (about 20 s); {@link #close()} stops only one started here. */
    public static KafkaClusterSupport startOrReuse() {
        if (LocalScript.tryRun(SCRIPT, "status").exit() == 0) {
            return new KafkaClusterSupport(false);
        }
        LocalScript.run(SCRIPT, "start");
        return new KafkaClusterSupport(true);
    }

    /** All three brokers, comma separated. */
    public String bootstrap() {
        return bootstrap;
    }

    public Admin admin() {
        return admin;
    }

    /** Creates a topic replicated on all 3 brokers with the given topic configs. */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        get(() -> admin.createTopics(List.of(new NewTopic(name, partitions, (short) 3).configs(configs))).all().get());
    }

    /** The leader's node id of a partition, or -1 while it has none. */
    public int leader(String topic, int partition) {
        Node leader = partitionInfo(topic, partition).leader();
        return leader == null || leader.isEmpty() ? -1 : leader.id();
    }

    /** The node ids of the in-sync replicas of a partition. */
    public List<Integer> isr(String topic, int partition) {
        return partitionInfo(topic, partition).isr().stream().map(Node::id).toList();
    }

    private TopicPartitionInfo partitionInfo(String topic, int partition) {
        TopicDescription d = get(() -> admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic));
        return d.partitions().get(partition);
    }

    /** {@code kill -9} of broker n. */
    public void kill(int n) {
        LocalScript.run(SCRIPT, "kill", String.valueOf(n));
    }

    /** Clean stop of broker n (it leaves the ISRs through the controller). */
    public void stopBroker(int n) {
        LocalScript.run(SCRIPT, "stop-broker", String.valueOf(n));
    }

    /** Starts broker n again (it recovers its log and, if it was a stale leader, truncates to the new leader). */
    public void startBroker(int n) {
        startBrokers(n);
    }

    /** Starts brokers again side by side, and returns once each of them answers (see {@link #startBroker}). */
    public void startBrokers(int... ns) {
        List<String> args = new ArrayList<>(List.of("start-broker"));
        for (int n : ns) {
            args.add(String.valueOf(n));
        }
        LocalScript.run(SCRIPT, args.toArray(String[]::new));
    }

    /** SIGSTOP of broker n: it stops fetching, so it falls out of the ISR after replica.lag.time.max.ms. */
    public void pause(int n) {
        LocalScript.run(SCRIPT, "pause", String.valueOf(n));
    }

    /** SIGCONT of a paused broker n. */
    public void resume(int n) {
        LocalScript.run(SCRIPT, "resume", String.valueOf(n));
    }

    /**
     * Holds broker n's replication of {@code topic} back to {@code bytesPerSecond}: the topic's follower replicas
     * are throttled ({@code follower.replication.throttled.replicas=*}) and broker n's follower rate is capped.
     */
    public void throttleFollower(int n, String topic, long bytesPerSecond) {
        ConfigResource t = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        ConfigResource b = new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(n));
        get(() -> admin.incrementalAlterConfigs(Map.of(
                t, List.of(set("follower.replication.throttled.replicas", "*")),
                b, List.of(set("follower.replication.throttled.rate", String.valueOf(bytesPerSecond))))).all().get());
    }

    /** Removes broker n's follower throttle. */
    public void unthrottle(int n) {
        ConfigResource b = new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(n));
        get(() -> admin.incrementalAlterConfigs(Map.of(b, List.of(new AlterConfigOp(
                new ConfigEntry("follower.replication.throttled.rate", ""), AlterConfigOp.OpType.DELETE)))).all().get());
    }

    /** Brings every broker back after a test's faults: resumes paused ones, starts stopped or killed ones. */
    public void restoreAll() {
        for (int n = 1; n <= 3; n++) {
            LocalScript.tryRun(SCRIPT, "resume", String.valueOf(n));
        }
        startBrokers(1, 2, 3);
    }

    /** Asks the controller for an unclean election of the given partitions (any live replica may lead). */
    public void electUnclean(Collection<TopicPartition> partitions) {
        get(() -> admin.electLeaders(ElectionType.UNCLEAN, Set.copyOf(partitions)).all().get());
    }

    /** Partitions 0..n-1 of a topic. */
    public static List<TopicPartition> partitions(String topic, int n) {
        List<TopicPartition> out = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            out.add(new TopicPartition(topic, p));
        }
        return out;
    }

    private static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
    }

    @Override
    public void close() {
        admin.close();
        if (startedHere) {
            LocalScript.run(SCRIPT, "stop");
        }
    }

    private interface Call<T> {
        T call() throws InterruptedException, ExecutionException;
    }

    private static <T> T get(Call<T> call) {
        try {
            return call.call();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}

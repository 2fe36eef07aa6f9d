package io.seqaudit.bench;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Redis servers a configuration's state lives on, one {@link Resp} connection each: the single Redis, or
 * every master of the local Redis Cluster. A read of one key goes to the master that serves the key's slot
 * ({@code CLUSTER KEYSLOT}, then {@code CLUSTER SLOTS}), looked up once per key: nothing moves slots while the
 * benchmark runs. Not thread-safe.
 */
final class RedisNodes implements AutoCloseable {

    private final String host;
    private final boolean cluster;
    /** port → connection, in the order the ports were given. */
    private final Map<Integer, Resp> nodes = new LinkedHashMap<>();
    private final Map<String, Resp> owners = new HashMap<>();

    private RedisNodes(String host, List<Integer> ports, boolean cluster) {
        this.host = host;
        this.cluster = cluster;
        try {
            for (int port : ports) {
                nodes.put(port, new Resp(host, port));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    static RedisNodes single(String host, int port) {
        return new RedisNodes(host, List.of(port), false);
    }

    /** Every master of a cluster without replicas (the one {@code deploy/local/redis-cluster.sh} starts). */
    static RedisNodes cluster(String host, List<Integer> ports) {
        return new RedisNodes(host, ports, true);
    }

    boolean isCluster() {
        return cluster;
    }

    List<Integer> ports() {
        return List.copyOf(nodes.keySet());
    }

    /** The connection to the node that serves {@code key}. */
    Resp owner(String key) {
        Resp first = nodes.values().iterator().next();
        if (!cluster) {
            return first;
        }
        return owners.computeIfAbsent(key, k -> {
            long slot = first.callLong("CLUSTER", "KEYSLOT", k);
            // CLUSTER SLOTS: [from, to, [host, port, id], replicas...] per range
            for (Object range : (List<?>) first.call("CLUSTER", "SLOTS")) {
                List<?> r = (List<?>) range;
                if ((Long) r.get(0) <= slot && slot <= (Long) r.get(1)) {
                    int port = ((Long) ((List<?>) r.get(2)).get(1)).intValue();
                    Resp node = nodes.get(port);
                    if (node == null) {
                        throw new IllegalStateException("slot " + slot + " is served by " + host + ":" + port
                                + ", not one of " + nodes.keySet());
                    }
                    return node;
                }
            }
            throw new IllegalStateException("no master serves slot " + slot + " (key " + k + ")");
        });
    }

    /** CPU seconds (user + system) all nodes have used so far, from {@code INFO cpu}. */
    double cpuSeconds() {
        double sum = 0;
        for (Resp r : nodes.values()) {
            sum += r.infoDouble("cpu", "used_cpu_user") + r.infoDouble("cpu", "used_cpu_sys");
        }
        return sum;
    }

    /** port → how many keys matching {@code pattern} that node holds. */
    Map<Integer, Integer> keysPerNode(String pattern) {
        Map<Integer, Integer> out = new LinkedHashMap<>();
        nodes.forEach((port, r) -> out.put(port, r.scan(pattern).size()));
        return out;
    }

    /** Deletes every key matching {@code pattern} on every node. */
    void deleteMatching(String pattern) {
        for (Resp r : nodes.values()) {
            if (!cluster) {
                r.deleteMatching(pattern);
                continue;
            }
            // One key per DEL: a cluster node refuses a DEL whose keys lie in different slots (CROSSSLOT).
            for (String key : r.scan(pattern)) {
                r.call("DEL", key);
            }
        }
    }

    @Override
    public void close() {
        nodes.values().forEach(Resp::close);
    }
}

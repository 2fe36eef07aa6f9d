package io.seqaudit.bench;

import io.seqaudit.sequence.Outcome;
import io.seqaudit.state.TopicKeys;
import io.seqaudit.state.TopicLayout;
import io.seqaudit.state.TotalField;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The scale-out step: one filled topic audited from offset 0 by one auditor or two (one consumer group, one state
 * prefix), with the state on the single Redis or on the local 3-master Redis Cluster, each configuration with a
 * fresh prefix and group. Every configuration uses the same shard count ({@link #SHARDS}, as RedisClusterAuditIT),
 * so that the rows differ only in the number of auditors and where the shards live.
 *
 * <p>Progress is read from Redis: every shard stores, per partition, the offset up to which it applied the
 * partition's records, and each checkpoint moves that offset in every shard. A record is audited once every shard
 * has passed it, so the records audited are the sum over partitions of the lowest offset any shard stores. Each
 * shard's offsets hash is read from the master that serves its slot ({@link RedisNodes#owner}).
 */
final class ScaleOutBench {

    /** Shards of the topic's state in every configuration: 12, as RedisClusterAuditIT (4 per master). */
    static final int SHARDS = 12;

    /**
     * One configuration's run.
     *
     * @param rate records/s from the first probe showing progress to the probe showing the topic's end
     * @param serviceCpu CPU seconds of all service JVMs over that window
     * @param redisCpu CPU seconds of Redis over that window (summed over the cluster's masters)
     * @param keysPerMaster port → keys of the run's prefix on that master (cluster only, else empty)
     */
    record Run(String name, int auditors, boolean cluster, double rate, double seconds, long records,
            double serviceCpu, double redisCpu, Map<Integer, Integer> keysPerMaster) {

        double serviceMicrosPerRecord() {
            return serviceCpu / records * 1e6;
        }

        double redisMicrosPerRecord() {
            return redisCpu / records * 1e6;
        }
    }

    private final Options o;
    private final String topic;
    private final long endOffsets;

    ScaleOutBench(Options o, String topic, long endOffsets) {
        this.o = o;
        this.topic = topic;
        this.endOffsets = endOffsets;
    }

    /** Audits the topic once with {@code auditors} services on the single Redis or on the cluster. */
    Run run(int auditors, boolean cluster) throws Exception {
        String name = "scale-" + (cluster ? "cluster" : "single") + "-" + auditors;
        String prefix = Service.prefix(o, name);
        Map<String, String> env = new HashMap<>();
        env.put("SEQAUDIT_STATE_SHARDS", Integer.toString(SHARDS));
        if (cluster) {
            env.put("QUARKUS_REDIS_CLIENT_TYPE", "cluster");
            env.put("QUARKUS_REDIS_HOSTS", o.clusterPorts().stream().map(p -> "redis://" + o.redisHost() + ":" + p)
                    .collect(Collectors.joining(",")));
        }
        try (RedisNodes redis = cluster ? RedisNodes.cluster(o.redisHost(), o.clusterPorts())
                : RedisNodes.single(o.redisHost(), o.redisPort())) {
            List<Service> services = startAll(name, prefix, auditors, env);
            try {
                Run r = measure(name, auditors, redis, services, prefix);
                checkTotals(redis, prefix);
                return r;
            } finally {
                // All stopped before any deletes the shared prefix: one still running would find its state gone.
                services.forEach(Service::stop);
                services.forEach(Service::close);
                // Service.close deletes keys on the single Redis only; the cluster's are deleted here.
                redis.deleteMatching(prefix + ":*");
            }
        }
    }

    /**
     * Starts the services at the same time and waits until all are ready, so that the second joins the group
     * about when the first does (a later join moves partitions inside the measured window).
     */
    private List<Service> startAll(String name, String prefix, int auditors, Map<String, String> env) {
        ExecutorService pool = Executors.newFixedThreadPool(auditors); // one thread each: they wait side by side
        List<CompletableFuture<Service>> starting = new ArrayList<>();
        for (int i = 0; i < auditors; i++) {
            String member = auditors == 1 ? name : name + "-" + (char) ('a' + i);
            starting.add(CompletableFuture.supplyAsync(() -> Service.start(o, topic, member, prefix, env), pool));
        }
        List<Service> started = new ArrayList<>();
        RuntimeException failure = null;
        for (CompletableFuture<Service> f : starting) {
            try {
                started.add(f.join());
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        pool.shutdown();
        if (failure != null) {
            started.forEach(Service::close);
            throw failure;
        }
        return started;
    }

    /** Polls the shards' offsets every 50 ms until they reach the topic's end; CPU over the same window. */
    private Run measure(String name, int auditors, RedisNodes redis, List<Service> services, String prefix)
            throws InterruptedException {
        List<TopicKeys> shards = new TopicLayout(prefix, topic, SHARDS).all();
        long t0 = 0;
        long c0 = 0;
        double cpu0 = 0;
        double redisCpu0 = 0;
        long last = -1;
        long lastMove = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            long done = audited(redis, shards);
            if (done > 0 && t0 == 0) {
                t0 = now;
                c0 = done;
                cpu0 = serviceCpu(services);
                redisCpu0 = redis.cpuSeconds();
            }
            if (done >= endOffsets) {
                if (c0 >= endOffsets) {
                    throw new IllegalStateException("the topic was audited within one 50 ms probe: too small");
                }
                double secs = (now - t0) / 1e9;
                double cpu = serviceCpu(services) - cpu0;
                double redisCpu = redis.cpuSeconds() - redisCpu0;
                Map<Integer, Integer> keys = redis.isCluster() ? redis.keysPerNode(prefix + ":*") : Map.of();
                return new Run(name, auditors, redis.isCluster(), (endOffsets - c0) / secs, secs, endOffsets - c0,
                        cpu, redisCpu, keys);
            }
            if (done != last) {
                last = done;
                lastMove = now;
            } else if (now - lastMove > TimeUnit.SECONDS.toNanos(60)) {
                throw new IllegalStateException("no progress for 60 s at " + done + " of " + endOffsets + ": "
                        + services.get(0).tail());
            }
            for (Service s : services) {
                if (!s.alive()) {
                    throw new IllegalStateException("a service exited: " + s.tail());
                }
            }
            Thread.sleep(50);
        }
    }

    /** Records applied in every shard: per partition the lowest offset over the shards, summed. */
    private static long audited(RedisNodes redis, List<TopicKeys> shards) {
        Map<Integer, Long> lowest = new HashMap<>();
        for (int i = 0; i < shards.size(); i++) {
            String key = shards.get(i).offsets();
            List<?> fields = (List<?>) redis.owner(key).call("HGETALL", key);
            Map<Integer, Long> offsets = new HashMap<>();
            for (int j = 0; j + 1 < fields.size(); j += 2) {
                offsets.put(Integer.valueOf(Resp.text(fields.get(j))), Long.valueOf(Resp.text(fields.get(j + 1))));
            }
            if (i == 0) {
                lowest.putAll(offsets);
            } else {
                // a partition some shard has no offset for yet counts nothing
                lowest.replaceAll((p, v) -> Math.min(v, offsets.getOrDefault(p, 0L)));
            }
        }
        return lowest.values().stream().mapToLong(Long::longValue).sum();
    }

    private static double serviceCpu(List<Service> services) {
        return services.stream().mapToDouble(s -> Children.cpuSeconds(s.pid())).sum();
    }

    /** A check, not a figure: every record counted in_order exactly once over the shards. */
    private void checkTotals(RedisNodes redis, String prefix) {
        String field = TotalField.records(Outcome.IN_ORDER).field();
        long inOrder = 0;
        for (TopicKeys k : new TopicLayout(prefix, topic, SHARDS).all()) {
            Object v = redis.owner(k.totals()).call("HGET", k.totals(), field);
            inOrder += v == null ? 0 : Long.parseLong(Resp.text(v));
        }
        if (inOrder != endOffsets) {
            System.out.printf("     WARNING: %,d in_order records counted over the shards, expected %,d%n", inOrder,
                    endOffsets);
        }
    }

    /**
     * Starts the local Redis Cluster with {@code deploy/local/redis-cluster.sh} unless one answers; returns whether
     * this call started it (then {@link #stopCluster} stops it at the end). A marker file tells {@code bench.sh} to
     * stop it if this JVM is killed before it could.
     */
    static boolean startCluster(Options o) {
        if (clusterScript(o, "status") == 0) {
            return false;
        }
        try {
            Files.writeString(clusterMarker(o), "started by " + o.runId() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (clusterScript(o, "start") != 0) {
            throw new IllegalStateException("redis-cluster.sh start failed; see " + clusterLog(o));
        }
        return true;
    }

    static void stopCluster(Options o) {
        if (clusterScript(o, "stop") != 0) {
            System.out.println("redis-cluster.sh stop failed; see " + clusterLog(o));
        }
        try {
            Files.deleteIfExists(clusterMarker(o));
        } catch (IOException e) {
            // bench.sh deletes it too
        }
    }

    static Path clusterMarker(Options o) {
        return o.logDir().resolve(o.runId() + ".cluster");
    }

    private static Path clusterLog(Options o) {
        return o.logDir().resolve(o.runId() + "-redis-cluster.log");
    }

    /** Runs the script (bench.sh runs the benchmark from the checkout's root) with the ports it was given. */
    private static int clusterScript(Options o, String command) {
        ProcessBuilder pb = new ProcessBuilder("bash", "deploy/local/redis-cluster.sh", command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(clusterLog(o).toFile()));
        pb.environment().put("SEQAUDIT_REDIS_CLUSTER_PORTS",
                o.clusterPorts().stream().map(String::valueOf).collect(Collectors.joining(" ")));
        try {
            Process p = pb.start();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}

package io.seqaudit.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The benchmark's flags. Sizes default to the full benchmark; {@code bench.sh} fills in where things are (broker,
 * Redis, the service jar, Kafka's tool jars, the log folder, the run id and the exact command).
 */
record Options(long records, int keys, int valueBytes, int rounds, long stampRecords, int gaps, int fillThreads,
        String bootstrap, String redisHost, int redisPort, Path jar, String kafkaClasspath, Path logDir, Path doc,
        String runId, String command, boolean keepTopics, String idleAfter, boolean scaleOutOnly, boolean noScaleOut,
        List<Integer> clusterPorts) {

    static final String USAGE = """
            bench.sh [--flag value ...]   (sizes default to the full benchmark)
              --records N         stamped records in the audited topic (default 2000000)
              --keys N            keys, one stream each (default 100000)
              --value-bytes N     record value size (default 200)
              --rounds N          measured rounds of each pair, alternating (default 3)
              --stamp-records N   records per stamping-overhead round, one thread (default 1000000)
              --gaps N            gaps for the detection delay (default 150)
              --fill-threads N    threads filling the audited topic (default 4)
              --keep-topics       leave the benchmark's topics on the broker
              --idle-after D      the audited service's seqaudit.state.idle-after (default 2s, so that the
                                  bytes per idle stream can be measured; the service's own default is 10m,
                                  with which streams are not compacted between their records while audited)
              --scale-out-only    run only the scale-out step (1 or 2 auditors, single Redis or the Redis Cluster)
              --no-scale-out      skip the scale-out step
              --doc PATH          markdown file whose results section is rewritten (default docs/benchmarks.md;
                                  "none" to skip)""";

    /** Flags without a value. */
    private static final Set<String> FLAGS = Set.of("keep-topics", "scale-out-only", "no-scale-out", "help");

    private static final Set<String> SIZES = Set.of("records", "keys", "value-bytes", "rounds", "stamp-records",
            "gaps", "fill-threads");

    static Options parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + a + "\n" + USAGE);
            }
            String name = a.substring(2);
            if (FLAGS.contains(name)) {
                m.put(name, "true");
            } else if (i + 1 < args.length) {
                m.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException(a + " needs a value\n" + USAGE);
            }
        }
        if (m.containsKey("help")) {
            return null;
        }
        for (String k : m.keySet()) {
            if (!SIZES.contains(k) && !FLAGS.contains(k) && !Set.of("idle-after", "doc", "bootstrap", "redis",
                    "redis-cluster-ports", "jar", "kafka-classpath", "log-dir", "run-id", "command").contains(k)) {
                throw new IllegalArgumentException("unknown flag --" + k + "\n" + USAGE);
            }
        }
        String[] redis = m.getOrDefault("redis", "127.0.0.1:6379").split(":");
        Options o = new Options(positive(m, "records", 2_000_000), (int) positive(m, "keys", 100_000),
                (int) positive(m, "value-bytes", 200), (int) positive(m, "rounds", 3),
                positive(m, "stamp-records", 1_000_000), (int) positive(m, "gaps", 150),
                (int) positive(m, "fill-threads", 4), m.getOrDefault("bootstrap", "127.0.0.1:9092"), redis[0],
                Integer.parseInt(redis[1]), Path.of(m.getOrDefault("jar", "target/quarkus-app/quarkus-run.jar")),
                required(m, "kafka-classpath"), Path.of(m.getOrDefault("log-dir", ".local")),
                Path.of(m.getOrDefault("doc", "docs/benchmarks.md")),
                m.getOrDefault("run-id", "bench-" + System.currentTimeMillis()),
                m.getOrDefault("command", "bash deploy/local/bench.sh"), m.containsKey("keep-topics"),
                m.getOrDefault("idle-after", "2s"), m.containsKey("scale-out-only"), m.containsKey("no-scale-out"),
                // bench.sh passes SEQAUDIT_REDIS_CLUSTER_PORTS, the ports redis-cluster.sh starts the cluster on
                Arrays.stream(m.getOrDefault("redis-cluster-ports", "7001 7002 7003").trim().split("[\\s,]+"))
                        .map(Integer::valueOf).toList());
        if (o.scaleOutOnly() && o.noScaleOut()) {
            throw new IllegalArgumentException("--scale-out-only and --no-scale-out exclude each other");
        }
        if (o.records() < o.keys()) {
            throw new IllegalArgumentException("--records must be at least --keys (every key gets a record)");
        }
        return o;
    }

    /** Whether every size is the default one, i.e. this is the benchmark and not a development run. */
    boolean fullSize() {
        return records == 2_000_000 && keys == 100_000 && valueBytes == 200 && rounds >= 3
                && idleAfter.equals("2s") && !scaleOutOnly
                && stampRecords == 1_000_000 && gaps >= 100;
    }

    boolean writesDoc() {
        return !doc.toString().equals("none");
    }

    private static long positive(Map<String, String> m, String name, long fallback) {
        long v = Long.parseLong(m.getOrDefault(name, Long.toString(fallback)).replace("_", ""));
        if (v <= 0) {
            throw new IllegalArgumentException("--" + name + " must be positive");
        }
        return v;
    }

    private static String required(Map<String, String> m, String name) {
        String v = m.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("--" + name + " is required (bench.sh passes it)");
        }
        return v;
    }

    /**
     * The run's beacon topic: the fill's producers send their beacons there and the services read them there, so a
     * run neither reads the beacons of earlier runs nor leaves its own in the default topic that other services
     * (the demo) read from the start. Created at the start of the run and deleted with its other topics.
     */
    String beaconTopic() {
        return runId() + "-beacons";
    }
}

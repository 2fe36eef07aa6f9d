package io.seqaudit.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Audit throughput and state size on one filled topic: a round of Kafka's own {@code ConsumerPerformance} (the
 * bare-consumer limit), and a round of the seqaudit service reading the topic from its start to its end with all
 * state in Redis, followed by the Redis bytes per idle stream.
 */
final class AuditBench {

    /** Bare consumer round: records/s while fetching (ConsumerPerformance's fetch.nMsg.sec, group join excluded). */
    record BareRound(double rate, long records) {
    }

    /**
     * Auditor round.
     *
     * @param rate records/s from the first audited record seen in Redis to the last
     * @param serviceCores CPU of the service JVM over that window, in cores (1.0 = one core busy)
     * @param redisCores CPU of the Redis server over that window, in cores
     * @param bytesPerStream (used_memory after idle compaction − before the round) / streams
     * @param keyBytesPerStream MEMORY USAGE of the round's keys / streams (blind to other Redis clients)
     * @param journalBytesPerRecord MEMORY USAGE of the truncation journal / records it holds; the journal is left
     *        out of both per-stream figures: it is bounded per partition (seqaudit.audit.journal-records), not
     *        per stream
     */
    record AuditRound(double rate, double seconds, long records, double serviceCores, double redisCores,
            long streams, double bytesPerStream, double keyBytesPerStream, double journalBytesPerRecord,
            Map<String, String> totals, Pass warm) {
    }

    /**
     * The same topic audited again by the same service JVM, after a re-audit ({@code POST
     * /api/v1/topics/{topic}/reaudit}: its state deleted, read again from offset 0): the rate of a service whose code
     * the JIT has compiled, as a long-running auditor is. The first pass of a fresh JVM also pays for that
     * compiling (a third of the machine's CPU during a 6-s round at 1,000 keys: docs/benchmarks.md, seventh
     * session); the bare consumer's code is small enough to pay next to nothing.
     */
    record Pass(double rate, double seconds, double serviceCores, double redisCores) {
    }

    private final Options o;
    private final String topic;
    private final long endOffsets;

    AuditBench(Options o, String topic, long endOffsets) {
        this.o = o;
        this.topic = topic;
        this.endOffsets = endOffsets;
    }

    BareRound bare(String name) throws Exception {
        Path log = o.logDir().resolve(o.runId() + "-" + name + ".log");
        Process p = Children.startJava(List.of("-Xmx512m", "-cp", o.kafkaClasspath(),
                "org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server", o.bootstrap(), "--topic", topic,
                "--messages", Long.toString(endOffsets), "--group", o.runId() + "-" + name, "--timeout", "30000"),
                Map.of(), log);
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("ConsumerPerformance failed; see " + log);
            }
        } finally {
            Children.stop(p);
        }
        Map<String, String> row = csvRow(log);
        long n = Long.parseLong(row.get("data.consumed.in.nMsg"));
        if (n < endOffsets) {
            throw new IllegalStateException("ConsumerPerformance read " + n + " of " + endOffsets + " records");
        }
        return new BareRound(Double.parseDouble(row.get("fetch.nMsg.sec")), n);
    }

    /** The header line ("start.time, end.time, ...") and the value line after it, as a map. */
    static Map<String, String> csvRow(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            for (int i = 0; i + 1 < lines.size(); i++) {
                if (lines.get(i).startsWith("start.time")) {
                    String[] head = lines.get(i).split(",\\s*");
                    String[] vals = lines.get(i + 1).split(",\\s*");
                    Map<String, String> m = new HashMap<>();
                    for (int j = 0; j < head.length && j < vals.length; j++) {
                        m.put(head[j].trim(), vals[j].trim());
                    }
                    return m;
                }
            }
            throw new IllegalStateException("no ConsumerPerformance result in " + log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One auditor round: a fresh service audits the topic from offset 0 (the rate, CPU and memory figures); then,
     * with {@code warmPass}, audits it again after a re-audit (see {@link Pass}).
     */
    AuditRound audit(String name, boolean warmPass) throws Exception {
        try (Resp redis = new Resp(o.redisHost(), o.redisPort())) {
            long memBefore = redis.info("memory", "used_memory");
            try (Service s = Service.start(o, topic, name, Map.of())) {
                AuditRound r = settle(s, redis, measure(s, redis), memBefore);
                if (!warmPass) {
                    return r;
                }
                s.reaudit();
                long deadline = System.currentTimeMillis() + 30_000;
                while (redis.sumHashValues(s.key("offsets")) >= endOffsets) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("the re-audit did not reset the offsets: " + s.tail());
                    }
                    Thread.sleep(20);
                }
                AuditRound w = measure(s, redis);
                return new AuditRound(r.rate(), r.seconds(), r.records(), r.serviceCores(), r.redisCores(),
                        r.streams(), r.bytesPerStream(), r.keyBytesPerStream(), r.journalBytesPerRecord(), r.totals(),
                        new Pass(w.rate(), w.seconds(), w.serviceCores(), w.redisCores()));
            }
        }
    }

    /** Polls the auditor's offsets in Redis every 50 ms until they reach the topic's end. */
    private AuditRound measure(Service s, Resp redis) throws InterruptedException {
        String offsets = s.key("offsets");
        long t0 = 0;
        long c0 = 0;
        double cpu0 = 0;
        double redisCpu0 = 0;
        long last = -1;
        long lastMove = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            long done = redis.sumHashValues(offsets);
            if (done > 0 && t0 == 0) {
                t0 = now;
                c0 = done;
                cpu0 = Children.cpuSeconds(s.pid());
                redisCpu0 = redisCpu(redis);
            }
            if (done >= endOffsets) {
                double secs = (now - t0) / 1e9;
                double cores = (Children.cpuSeconds(s.pid()) - cpu0) / secs;
                double redisCores = (redisCpu(redis) - redisCpu0) / secs;
                if (c0 >= endOffsets) {
                    throw new IllegalStateException("the topic was audited within one 50 ms probe: too small");
                }
                return new AuditRound((endOffsets - c0) / secs, secs, endOffsets - c0, cores, redisCores, 0,
                        Double.NaN, Double.NaN, Double.NaN, Map.of(), null);
            }
            if (done != last) {
                last = done;
                lastMove = now;
            } else if (now - lastMove > TimeUnit.SECONDS.toNanos(60)) {
                throw new IllegalStateException("the auditor made no progress for 60 s at " + done + " of "
                        + endOffsets + ": " + s.tail());
            }
            if (!s.alive()) {
                throw new IllegalStateException("the service exited: " + s.tail());
            }
            Thread.sleep(50);
        }
    }

    /**
     * Waits for idle compaction (idle-after is 2 s; each 250 ms tick compacts up to 10,000 streams): until the
     * streams hash has not shrunk for 1.5 s, at most 60 s. Then takes the memory figures.
     */
    private AuditRound settle(Service s, Resp redis, AuditRound r, long memBefore) throws InterruptedException {
        Thread.sleep(2_000);
        long deadline = System.currentTimeMillis() + 60_000;
        long prev = -1;
        int stable = 0;
        while (stable < 3 && System.currentTimeMillis() < deadline) {
            Thread.sleep(500);
            long size = redis.memoryUsage(List.of(s.key("streams")));
            stable = size == prev ? stable + 1 : 0;
            prev = size;
        }
        if (stable < 3) {
            System.out.println("  (warning: the streams hash was still changing after 60 s)");
        }
        long memAfter = redis.info("memory", "used_memory");
        long streams = redis.callLong("HLEN", s.key("streams"));
        long journalBytes = redis.memoryUsage(List.of(s.key("journal")));
        long keyBytes = redis.memoryUsage(redis.scan(s.keyPattern())) - journalBytes;
        Map<String, String> totals = new HashMap<>();
        List<?> t = (List<?>) redis.call("HGETALL", s.key("totals"));
        for (int i = 0; i + 1 < t.size(); i += 2) {
            totals.put(Resp.text(t.get(i)), Resp.text(t.get(i + 1)));
        }
        return new AuditRound(r.rate(), r.seconds(), r.records(), r.serviceCores(), r.redisCores(), streams,
                (memAfter - memBefore - journalBytes) / (double) streams, keyBytes / (double) streams,
                journalBytes / (double) Math.max(1, r.records()), totals, null);
    }

    private static double redisCpu(Resp redis) {
        return redis.infoDouble("cpu", "used_cpu_user") + redis.infoDouble("cpu", "used_cpu_sys");
    }
}

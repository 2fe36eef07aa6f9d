package io.seqaudit.bench;

import io.seqaudit.sequence.Outcome;
import io.seqaudit.state.TotalField;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * The benchmark (not a test): on one machine, in one run, against the same real broker and Redis, it measures
 * audit throughput against Kafka's own bare consumer, Redis bytes per idle stream, the stamping interceptor's
 * overhead on a producer, and the detection delay of lost records; prints a summary with targets and writes it
 * into docs/benchmarks.md. Run it with {@code bash deploy/local/bench.sh [flags]}; the method is described in
 * docs/benchmarks.md.
 */
public final class Benchmark {

    private static final int PARTITIONS = 6;
    /** The scale-out topic: enough partitions for two auditors to take 6 each. */
    private static final int SCALE_OUT_PARTITIONS = 12;

    private final Options o;
    private final Admin admin;
    private final Load load;
    private final Report report = new Report();
    private final List<String> topics = new ArrayList<>();

    private Benchmark(Options o, Admin admin) {
        this.o = o;
        this.admin = admin;
        this.load = new Load(o.bootstrap(), o.beaconTopic(), o.keys(), o.valueBytes());
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        if (o == null) {
            System.out.println(Options.USAGE);
            return;
        }
        Files.createDirectories(o.logDir());
        Children.pidFile(o.logDir().resolve(o.runId() + ".pids"));
        String machine = Report.machine();
        System.out.println("seqaudit benchmark " + o.runId() + " on " + machine);
        System.out.printf("sizes: %,d records, %,d keys, %d-byte values, %d rounds, %,d stamping records, %d gaps; "
                + "service idle-after %s%n", o.records(), o.keys(), o.valueBytes(), o.rounds(), o.stampRecords(),
                o.gaps(), o.idleAfter());
        long t0 = System.nanoTime();
        int status = 0;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", o.bootstrap()))) {
            Benchmark b = new Benchmark(o, admin);
            try {
                b.topic("beacons", PARTITIONS); // o.beaconTopic(): see there
                if (!o.scaleOutOnly()) {
                    b.audit();
                    b.stamping();
                    b.detection();
                }
                if (!o.noScaleOut()) {
                    b.scaleOut();
                }
            } catch (Exception e) {
                System.out.println("\nThe benchmark failed: " + e);
                status = 1;
            } finally {
                Children.stopAll();
                b.cleanUp();
            }
            if (status == 0) {
                System.out.println("\nSummary (" + o.runId() + ", " + Stats.fmt("%.0f", (System.nanoTime() - t0) / 1e9)
                        + " s)\n" + b.report.console());
                if (o.writesDoc()) {
                    Report.writeInto(o.doc(), b.report.markdown(o, machine));
                    System.out.println("Figures written into " + o.doc());
                }
            }
        }
        System.exit(status);
    }

    /** Sections 1 and 2: fill, warm up, then bare consumer and auditor rounds, alternating. */
    private void audit() throws Exception {
        String topic = topic("audit", PARTITIONS);
        System.out.printf("%n1. Audit throughput: filling %s (%d partitions) with %,d stamped records...%n", topic,
                PARTITIONS, o.records());
        double fillSecs = load.fill(topic, o.records(), o.fillThreads(), "bench-fill");
        long end = endOffsets(topic, PARTITIONS);
        System.out.printf("   filled in %.1f s: %s records/s (%d threads, one producer with the interceptor)%n",
                fillSecs, Stats.rate(o.records() / fillSecs), o.fillThreads());
        AuditBench bench = new AuditBench(o, topic, end);
        System.out.println("   warm-up (not counted):");
        AuditBench.BareRound wb = bench.bare("bare-warmup");
        System.out.printf("     bare consumer %s records/s%n", Stats.rate(wb.rate()));
        AuditBench.AuditRound wa = bench.audit("audit-warmup", false);
        System.out.printf("     auditor       %s records/s; totals in Redis: %s%n", Stats.rate(wa.rate()),
                new java.util.TreeMap<>(wa.totals()));
        String inOrder = wa.totals().get(TotalField.records(Outcome.IN_ORDER).field());
        if (inOrder == null || Long.parseLong(inOrder) != end || wa.streams() != o.keys()) {
            System.out.printf("     WARNING: expected %,d in_order records over %,d streams%n", end, o.keys());
        }
        List<Double> bare = new ArrayList<>();
        List<Double> audited = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        List<Double> warm = new ArrayList<>();
        List<Double> warmRatios = new ArrayList<>();
        List<Double> bytes = new ArrayList<>();
        List<Double> keyBytes = new ArrayList<>();
        report.detail("Fill: " + String.format("%,d", o.records()) + " stamped records in "
                + Stats.fmt("%.1f", fillSecs) + " s = " + Stats.rate(o.records() / fillSecs) + " records/s ("
                + o.fillThreads() + " threads, one producer).\n");
        report.detail("Audit rounds (" + String.format("%,d", end) + " records, " + PARTITIONS + " partitions, "
                + String.format("%,d", o.keys()) + " streams):\n");
        report.detail("| round | bare consumer rec/s | auditor rec/s | ratio | service CPU (cores) "
                + "| Redis CPU (cores) | bytes/stream (used_memory) | bytes/stream (MEMORY USAGE of its keys) "
                + "| second pass, same JVM: rec/s | ratio | service CPU (cores) | Redis CPU (cores) |");
        report.detail("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (int i = 1; i <= o.rounds(); i++) {
            AuditBench.BareRound b = null;
            if (i % 2 == 1) {
                b = bench.bare("bare-" + i);
            }
            AuditBench.AuditRound a = bench.audit("audit-" + i, true);
            if (b == null) {
                b = bench.bare("bare-" + i);
            }
            bare.add(b.rate());
            audited.add(a.rate());
            ratios.add(a.rate() / b.rate());
            bytes.add(a.bytesPerStream());
            keyBytes.add(a.keyBytesPerStream());
            warm.add(a.warm().rate());
            warmRatios.add(a.warm().rate() / b.rate());
            System.out.printf("   round %d: bare %s rec/s, auditor %s rec/s (%.1f s; service %.2f cores, Redis %.2f"
                    + " cores), ratio %.2f; %.0f bytes/stream (%.0f by MEMORY USAGE); truncation journal %.1f "
                    + "bytes/record%n", i, Stats.rate(b.rate()),
                    Stats.rate(a.rate()), a.seconds(), a.serviceCores(), a.redisCores(), a.rate() / b.rate(),
                    a.bytesPerStream(), a.keyBytesPerStream(), a.journalBytesPerRecord());
            System.out.printf("            second pass in the same JVM (re-audit): %s rec/s (%.1f s; service %.2f cores,"
                    + " Redis %.2f cores), ratio %.2f%n", Stats.rate(a.warm().rate()), a.warm().seconds(),
                    a.warm().serviceCores(), a.warm().redisCores(), a.warm().rate() / b.rate());
            report.detail(String.format("| %d | %s | %s | %.2f | %.2f | %.2f | %.0f | %.0f | %s | %.2f | %.2f | %.2f |",
                    i, Stats.rate(b.rate()), Stats.rate(a.rate()), a.rate() / b.rate(), a.serviceCores(),
                    a.redisCores(), a.bytesPerStream(), a.keyBytesPerStream(), Stats.rate(a.warm().rate()),
                    a.warm().rate() / b.rate(), a.warm().serviceCores(), a.warm().redisCores()));
        }
        report.detail("");
        double ratio = Stats.median(audited) / Stats.median(bare);
        report.row("fill, stamped producer (" + o.fillThreads() + " threads), rec/s",
                Stats.rate(o.records() / fillSecs), "", null);
        report.row("bare consumer (ConsumerPerformance), rec/s", Stats.spread(bare, "%,.0f"), "", null);
        report.row("auditor (seqaudit service), rec/s", Stats.spread(audited, "%,.0f"), "", null);
        report.row("audit ratio auditor/bare", Stats.fmt("%.2f", ratio) + " (" + Stats.fmt("%.2f", Stats.min(ratios))
                + "–" + Stats.fmt("%.2f", Stats.max(ratios)) + ")", ">= 0.5", ratio >= 0.5);
        double warmRatio = Stats.median(warm) / Stats.median(bare);
        report.row("auditor, second pass in the same JVM (re-audit), rec/s", Stats.spread(warm, "%,.0f"), "", null);
        report.row("audit ratio, second pass/bare", Stats.fmt("%.2f", warmRatio) + " ("
                + Stats.fmt("%.2f", Stats.min(warmRatios)) + "–" + Stats.fmt("%.2f", Stats.max(warmRatios)) + ")",
                ">= 0.5", warmRatio >= 0.5);
        report.row("Redis bytes per idle stream", Stats.spread(bytes, "%.0f"), "<= 100",
                Stats.median(bytes) <= 100);
        report.row("  (cross-check: MEMORY USAGE of the keys)", Stats.spread(keyBytes, "%.0f"), "", null);
        deleteTopic(topic);
    }

    /**
     * Section 3: one producer thread with and without the interceptor, alternating, uncompressed and with lz4 (as
     * most production producers run). The target holds only if every round meets it, in both settings.
     */
    private void stamping() throws Exception {
        String topic = topic("stamp", PARTITIONS);
        long n = o.stampRecords();
        System.out.printf("%n3. Stamping overhead: %,d records per round, one thread, over %,d keys%n", n, o.keys());
        for (String compression : List.of("none", "lz4")) {
            stamping(topic, n, compression);
        }
        deleteTopic(topic);
    }

    private void stamping(String topic, long n, String compression) {
        load.loop(topic, Math.max(1, n / 2), null, compression); // warm-up, not counted
        load.loop(topic, Math.max(1, n / 2), "bench-stamp-warmup", compression);
        List<Double> plain = new ArrayList<>();
        List<Double> stamped = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        report.detail("Stamping rounds (" + String.format("%,d", n) + " records, one thread, compression.type="
                + compression + "):\n");
        report.detail("| round | without interceptor rec/s | with interceptor rec/s | ratio |\n|---|---|---|---|");
        for (int i = 1; i <= o.rounds(); i++) {
            double p = 0;
            if (i % 2 == 1) {
                p = load.loop(topic, n, null, compression);
            }
            double s = load.loop(topic, n, "bench-stamp-" + compression + "-" + i, compression);
            if (i % 2 == 0) {
                p = load.loop(topic, n, null, compression);
            }
            plain.add(p);
            stamped.add(s);
            ratios.add(s / p);
            System.out.printf("   %s round %d: without %s rec/s, with %s rec/s, ratio %.2f%n", compression, i,
                    Stats.rate(p), Stats.rate(s), s / p);
            report.detail(String.format("| %d | %s | %s | %.2f |", i, Stats.rate(p), Stats.rate(s), s / p));
        }
        report.detail("");
        double ratio = Stats.median(stamped) / Stats.median(plain);
        report.row("producer without interceptor (" + compression + "), rec/s", Stats.spread(plain, "%,.0f"), "",
                null);
        report.row("producer with interceptor (" + compression + "), rec/s", Stats.spread(stamped, "%,.0f"), "",
                null);
        report.row("stamping ratio with/without (" + compression + ")", Stats.fmt("%.2f", ratio) + " ("
                + Stats.fmt("%.2f", Stats.min(ratios)) + "–" + Stats.fmt("%.2f", Stats.max(ratios)) + ")",
                ">= 0.9 every round", Stats.min(ratios) >= 0.9);
    }

    /** Section 4: delay from a gap's grace running out to the API listing it lost. */
    private void detection() throws Exception {
        String topic = topic("delay", PARTITIONS);
        System.out.printf("%n4. Detection delay: %d gaps, grace %ds%n", o.gaps(), DetectionBench.GRACE.toSeconds());
        DetectionBench.Result r = new DetectionBench(o, topic).run();
        List<Double> d = r.delaysMs();
        System.out.printf("   %d gaps: p50 %.0f ms, p90 %.0f ms, max %.0f ms, min %.0f ms%s%n", d.size(),
                Stats.median(d), Stats.percentile(d, 90), Stats.max(d), Stats.min(d),
                r.wrong() == 0 ? "" : "; WARNING: " + r.wrong() + " gaps other than the injected ones");
        report.detail("Detection delay over " + d.size() + " gaps (grace 2 s): p50 " + Stats.fmt("%.0f", Stats.median(d))
                + " ms, p90 " + Stats.fmt("%.0f", Stats.percentile(d, 90)) + " ms, max " + Stats.fmt("%.0f", Stats.max(d))
                + " ms, min " + Stats.fmt("%.0f", Stats.min(d)) + " ms.");
        report.row("detection delay p50, ms", Stats.fmt("%.0f", Stats.median(d)), "< 1000", Stats.median(d) < 1000);
        report.row("detection delay max, ms", Stats.fmt("%.0f", Stats.max(d)), "< 1000", Stats.max(d) < 1000);
        deleteTopic(topic);
    }

    /**
     * Section 5: the scale-out table. One topic of 12 partitions, filled once, audited from offset 0 in four
     * configurations: 1 or 2 auditors, single Redis or the Redis Cluster (started here if none runs, and then
     * stopped at the end).
     */
    private void scaleOut() throws Exception {
        String topic = topic("scale", SCALE_OUT_PARTITIONS);
        System.out.printf("%n5. Scale-out: filling %s (%d partitions) with %,d stamped records...%n", topic,
                SCALE_OUT_PARTITIONS, o.records());
        double fillSecs = load.fill(topic, o.records(), o.fillThreads(), "bench-scale-fill");
        long end = endOffsets(topic, SCALE_OUT_PARTITIONS);
        System.out.printf("   filled in %.1f s: %s records/s%n", fillSecs, Stats.rate(o.records() / fillSecs));
        // The broker's first read of a topic is the slow one (section 1's warm-up): a bare consumer takes it, so
        // that the first configuration is not charged for it; its rate is the reference for the table.
        AuditBench.BareRound bare = new AuditBench(o, topic, end).bare("scale-bare");
        System.out.printf("   bare consumer %s records/s%n", Stats.rate(bare.rate()));
        ScaleOutBench bench = new ScaleOutBench(o, topic, end);
        List<ScaleOutBench.Run> runs = new ArrayList<>();
        for (int auditors : List.of(1, 2)) {
            runs.add(printed(bench.run(auditors, false)));
        }
        boolean started = ScaleOutBench.startCluster(o);
        try {
            for (int auditors : List.of(1, 2)) {
                runs.add(printed(bench.run(auditors, true)));
            }
        } finally {
            if (started) {
                ScaleOutBench.stopCluster(o);
            }
        }
        List<List<String>> rows = new ArrayList<>();
        for (ScaleOutBench.Run r : runs) {
            rows.add(List.of(Integer.toString(r.auditors()), r.cluster() ? "cluster, 3 masters" : "single",
                    Stats.rate(r.rate()), Stats.fmt("%.1f", r.seconds()),
                    Stats.fmt("%.2f", r.serviceCpu() / r.seconds()), Stats.fmt("%.2f", r.redisCpu() / r.seconds()),
                    Stats.fmt("%.1f", r.serviceMicrosPerRecord()), Stats.fmt("%.1f", r.redisMicrosPerRecord()),
                    shares(r.keysPerMaster())));
        }
        report.row("scale-out fill, stamped producer (" + SCALE_OUT_PARTITIONS + " partitions), rec/s",
                Stats.rate(o.records() / fillSecs), "", null);
        report.row("scale-out bare consumer (" + SCALE_OUT_PARTITIONS + " partitions), rec/s", Stats.rate(bare.rate()),
                "", null);
        report.table("Scale-out (" + String.format("%,d", end) + " records, " + SCALE_OUT_PARTITIONS
                + " partitions, " + String.format("%,d", o.keys()) + " streams, " + ScaleOutBench.SHARDS
                + " state shards in every configuration; bare consumer " + Stats.rate(bare.rate())
                + " records/s on the same topic). On " + Runtime.getRuntime().availableProcessors()
                + " cores shared by the broker, Redis, the auditors and the benchmark, this table shows the cost"
                + " per record of each configuration more than a speed-up:",
                List.of("auditors", "Redis", "records/s", "window s", "service CPU (cores)", "Redis CPU (cores)",
                        "service µs/record", "Redis µs/record", "keys per master"),
                rows);
        deleteTopic(topic);
    }

    private static ScaleOutBench.Run printed(ScaleOutBench.Run r) {
        System.out.printf("   %s: %s records/s (%.1f s); service %.2f cores = %.1f µs/record, Redis %.2f cores = "
                + "%.1f µs/record%s%n", r.name(), Stats.rate(r.rate()), r.seconds(), r.serviceCpu() / r.seconds(),
                r.serviceMicrosPerRecord(), r.redisCpu() / r.seconds(), r.redisMicrosPerRecord(),
                r.cluster() ? "; keys per master " + shares(r.keysPerMaster()) : "");
        return r;
    }

    /** "7001: 60 (38 %), 7002: ...": each master's keys of the run and their share. */
    private static String shares(Map<Integer, Integer> keysPerMaster) {
        if (keysPerMaster.isEmpty()) {
            return "";
        }
        double all = keysPerMaster.values().stream().mapToInt(Integer::intValue).sum();
        return keysPerMaster.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue() + " ("
                + Stats.fmt("%.0f", 100 * e.getValue() / all) + " %)").collect(Collectors.joining(", "));
    }

    private String topic(String name, int partitions) throws Exception {
        String t = o.runId() + "-" + name;
        admin.createTopics(List.of(new NewTopic(t, partitions, (short) 1))).all().get();
        topics.add(t);
        return t;
    }

    private long endOffsets(String topic, int partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> req = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            req.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        return admin.listOffsets(req).all().get().values().stream().mapToLong(i -> i.offset()).sum();
    }

    private void deleteTopic(String topic) throws Exception {
        if (!o.keepTopics() && topics.remove(topic)) {
            admin.deleteTopics(List.of(topic)).all().get();
        }
    }

    /** Topics (unless kept), consumer groups and Redis keys of this run, whatever happened. */
    private void cleanUp() {
        try {
            for (String t : new ArrayList<>(topics)) {
                deleteTopic(t);
            }
            Set<String> groups = admin.listConsumerGroups().all().get().stream().map(ConsumerGroupListing::groupId)
                    .filter(g -> g.startsWith(o.runId()) || g.startsWith("seqaudit-" + o.runId()))
                    .collect(Collectors.toSet());
            if (!groups.isEmpty()) {
                admin.deleteConsumerGroups(groups).all().get();
            }
        } catch (Exception e) {
            System.out.println("Could not delete every topic or group of " + o.runId() + ": " + e);
        }
        try (Resp redis = new Resp(o.redisHost(), o.redisPort())) {
            redis.deleteMatching("seqaudit-" + o.runId() + "-*");
        }
        try {
            Files.deleteIfExists(o.logDir().resolve(o.runId() + ".pids"));
        } catch (java.io.IOException e) {
            // bench.sh deletes it too
        }
    }
}

package io.seqaudit.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The demo's traffic generator: a producer using the stamping interceptor, from many threads over many keys,
 * with faults injected at known places (producer-stage loss, duplicates, late records within and beyond the
 * grace window, unstamped and malformed records). When the grace window has passed it reads back what the
 * seqaudit service found through its REST API and prints one table; exit status 0 only if every row matches.
 *
 * <p>Run: {@code java -cp 'target/quarkus-app/lib/main/*:target/classes' io.seqaudit.demo.TrafficGenerator --help}
 */
public final class TrafficGenerator {

    private TrafficGenerator() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        if (o.containsKey("help")) {
            System.out.println("""
                    TrafficGenerator [--flag value ...]
                      --bootstrap          Kafka (default $KAFKA_BOOTSTRAP_SERVERS or 127.0.0.1:9092)
                      --api                the seqaudit service (default http://127.0.0.1:8095)
                      --token              bearer token for the API, role viewer (default $SEQAUDIT_DEMO_TOKEN)
                      --topic              audited topic, created with 6 partitions (default demo-orders)
                      --records            stamped records to send (default 100000)
                      --keys               keys (default 2000)
                      --loss-rate          share of records stamped then never sent (default 0.002)
                      --duplicate-rate     share sent twice (default 0.002)
                      --late-rate          share held back less than the grace window (default 0.002)
                      --late-beyond-rate   share held back until reported lost (default 0.0005)
                      --unstamped          records without headers (default 50)
                      --malformed          records with malformed headers (default 40)
                      --transactions       transactions of a transactional producer, every other one aborted
                                           (default 9: 4 aborted; 0 for none)
                      --grace              the service's grace window (default 10s)
                      --threads            sending threads (default 8)
                      --seed               fault placement seed (default 1)
                      --consumer-records   records for the consumer-stage scenario on <topic>-consumers, audited
                                           for groups <topic>-commit-first and <topic>-process-first with receipts
                                           on <topic>-receipts (default 40; 0 for none)""");
            return;
        }
        String bootstrap = o.getOrDefault("bootstrap", envOr("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"));
        String api = o.getOrDefault("api", "http://127.0.0.1:8095");
        String token = o.getOrDefault("token", System.getenv("SEQAUDIT_DEMO_TOKEN"));
        String topic = o.getOrDefault("topic", "demo-orders");
        int keys = Integer.parseInt(o.getOrDefault("keys", "2000"));
        int perKey = Math.max(2, Integer.parseInt(o.getOrDefault("records", "100000")) / keys);
        Duration grace = Duration.parse("PT" + o.getOrDefault("grace", "10s").toUpperCase());
        FaultPlan plan = new FaultPlan(topic, topic + "-void", keys, perKey, 0,
                Double.parseDouble(o.getOrDefault("loss-rate", "0.002")),
                Double.parseDouble(o.getOrDefault("duplicate-rate", "0.002")),
                Double.parseDouble(o.getOrDefault("late-rate", "0.002")),
                Double.parseDouble(o.getOrDefault("late-beyond-rate", "0.0005")),
                Long.parseLong(o.getOrDefault("seed", "1")));
        int unstamped = Integer.parseInt(o.getOrDefault("unstamped", "50"));
        int malformed = Integer.parseInt(o.getOrDefault("malformed", "40"));
        int transactions = Integer.parseInt(o.getOrDefault("transactions", "9"));
        TransactionalTraffic txn = transactions <= 0 ? null : new TransactionalTraffic(transactions, 10, 3);
        int consumerRecords = Integer.parseInt(o.getOrDefault("consumer-records", "40"));
        ConsumerScenario consumers = consumerRecords <= 0 ? null : new ConsumerScenario(topic + "-consumers",
                topic + "-receipts", topic + "-commit-first", topic + "-process-first", consumerRecords, 4, 5, 7);
        System.exit(run(plan, bootstrap, api, token, grace, Integer.parseInt(o.getOrDefault("threads", "8")), unstamped,
                malformed, txn, consumers));
    }

    static int run(FaultPlan plan, String bootstrap, String api, String token, Duration grace, int threads, int unstamped,
            int malformed, TransactionalTraffic txn, ConsumerScenario consumers) throws Exception {
        createTopics(bootstrap, plan);
        if (consumers != null) {
            consumers.createTopics(bootstrap);
        }
        DemoReport report = new DemoReport(api, plan.topic(), token);
        long before;
        try {
            before = report.audited();
        } catch (RuntimeException e) {
            System.err.println("The seqaudit service does not answer at " + api + ": " + e);
            return 2;
        }
        ConsumerScenario.Injected injected = null;
        long t0 = System.nanoTime();
        try (TrafficSender sender = new TrafficSender(plan, bootstrap, "demo-" + ProcessHandle.current().pid());
                KafkaProducer<String, String> plain = TrafficSender.producer(bootstrap, Map.of())) {
            System.out.printf("Sending %,d records over %,d keys from %d threads...%n",
                    (long) plan.keys() * plan.perKey(), plan.keys(), threads);
            sender.sendAll(threads);
            sender.sendUnstamped(plain, unstamped);
            sender.sendMalformed(plain, malformed);
            if (txn != null) {
                txn.send(bootstrap, plan.topic(), "demo-txn-" + ProcessHandle.current().pid());
            }
            TAIL.send(bootstrap, plan.topic(), plan.voidTopic(), "demo-tail-" + ProcessHandle.current().pid());
            if (consumers != null) {
                // While the grace window of the traffic above runs: the consumer stage's losses need it too.
                System.out.println("Consumer stage: a commit-first group, and a process-first one killed with kill -9...");
                if (!waitFor(() -> consumers.watched(report), 60_000)) {
                    System.out.println("The service does not watch the application groups: their rows will not match.");
                }
                injected = consumers.run(bootstrap);
            }
            System.out.printf("Sent in %.1f s. Waiting for the grace window (%s) to confirm losses...%n",
                    (System.nanoTime() - t0) / 1e9, grace);
            Set<String> beyond = plan.keySeqs(FaultPlan.Fate.LATE_BEYOND);
            long deadline = grace.toMillis() * 3 + 60_000;
            waitFor(() -> report.gapSeqs("lost").containsAll(beyond), deadline);
            sender.sendHeldBeyondGrace();
        }
        long expected = before + plan.keys() * (long) plan.perKey() - plan.total(FaultPlan.Fate.LOST)
                + (long) (TAIL.keys() + 1) * TAIL.perKey() - TAIL.lost().size()
                + plan.total(FaultPlan.Fate.DUPLICATED) + unstamped + malformed + (txn == null ? 0 : txn.committed());
        // The tails are found through beacons, applied once the auditor has read past them: wait for them too.
        Set<String> tails = TAIL.lost();
        boolean settled = waitFor(() -> report.audited() >= expected
                && report.summary().path("suspected").asLong() == 0
                && report.gapSeqs("lost").containsAll(tails), grace.toMillis() * 3 + 60_000);
        if (!settled) {
            System.out.println("The service did not settle in time: the table shows where it stands.");
        }
        List<DemoReport.Row> rows = new ArrayList<>(report.rows(plan, TAIL, unstamped, malformed,
                txn == null ? 0 : txn.aborted(), 1000));
        if (injected != null) {
            ConsumerScenario.Injected faults = injected;
            waitFor(() -> consumers.rows(report, faults).stream().allMatch(DemoReport.Row::match),
                    grace.toMillis() * 3 + 60_000);
            rows.addAll(consumers.rows(report, faults));
        }
        System.out.println();
        System.out.print(DemoReport.format(rows));
        System.out.println();
        System.out.println("metrics: " + api + "/q/metrics");
        System.out.println("api:     " + api + "/api/v1/summary   " + api + "/api/v1/gaps?topic=" + plan.topic()
                + "&state=lost");
        System.out.println("         (with Authorization: Bearer <token>; metrics and health need none)");
        System.out.println("health:  " + api + "/q/health");
        return rows.stream().allMatch(DemoReport.Row::match) ? 0 : 1;
    }

    /** Streams whose tail is lost (found through the producer's beacons only). */
    static final TailTraffic TAIL = new TailTraffic(20, 10);

    private static void createTopics(String bootstrap, FaultPlan plan) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Set<String> existing = admin.listTopics().names().get();
            for (String t : List.of(plan.topic(), plan.voidTopic())) {
                if (!existing.contains(t)) {
                    admin.createTopics(List.of(new NewTopic(t, t.equals(plan.topic()) ? 6 : 1, (short) 1))).all()
                            .get();
                }
            }
        }
    }

    /** Polls {@code condition} every 200 ms until it holds or {@code timeoutMs} passed; errors count as false. */
    static boolean waitFor(BooleanSupplier condition, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException e) {
                // the service may be busy or restarting: try again
            }
            Thread.sleep(200);
        }
        return false;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i] + " (try --help)");
            }
            String name = args[i].substring(2);
            if (name.equals("help")) {
                out.put(name, "");
            } else if (i + 1 < args.length) {
                out.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
        }
        return out;
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}

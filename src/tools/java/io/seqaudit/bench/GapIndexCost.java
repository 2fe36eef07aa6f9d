package io.seqaudit.bench;

import io.seqaudit.state.TotalField;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the gap index (the sorted set {@code gapidx} the checkpoint script keeps beside the gaps hash, for the API's
 * pages) costs the auditor's hot path: the real checkpoint script on a real Redis, against shards holding
 * {@code --existing} gaps; each checkpoint writes {@code --streams} streams, opens {@code --per-checkpoint} gaps
 * (with their open entries, as an auditor writes them) and closes as many older ones. Two such shards per round,
 * one with the index (14 keys), one without it (13 keys: the script then skips the index), checkpointed in turn so
 * that load from elsewhere on the machine hits both alike; the figure is each variant's median time per
 * checkpoint, measured by the client (loopback). Keys under {@code seqaudit-gapidxcost-<ms>}, deleted at the end.
 * Single-threaded; exits non-zero if Redis fails or the script refuses a checkpoint.
 *
 * <pre>java -cp ... io.seqaudit.bench.GapIndexCost [--existing 100000] [--per-checkpoint 500] [--checkpoints 40]
 * [--streams = per-checkpoint] [--rounds 5] [--redis 127.0.0.1:6379]</pre>
 */
public final class GapIndexCost {

    private static final String GAP_JSON = "{\"id\":\"%s\",\"topic\":\"orders\",\"partition\":3,\"key\":\"key-%d\","
            + "\"keyBase64\":\"a2V5LTAwMDA0Mg==\",\"producer\":\"orders-service-7f9c\",\"epoch\":1,\"fromSeq\":%d,"
            + "\"toSeq\":%d,\"state\":\"suspected\",\"openedAt\":\"2026-12-04T05:00:00Z\",\"lostAt\":null}";

    private GapIndexCost() {
    }

    public static void main(String[] args) throws IOException {
        List<String> a = Arrays.asList(args);
        int existing = opt(a, "--existing", 100_000);
        int perCheckpoint = opt(a, "--per-checkpoint", 500);
        int streams = opt(a, "--streams", perCheckpoint);
        int checkpoints = opt(a, "--checkpoints", 40);
        int rounds = opt(a, "--rounds", 5);
        String[] redis = (a.contains("--redis") ? a.get(a.indexOf("--redis") + 1) : "127.0.0.1:6379").split(":");
        String prefix = "seqaudit-gapidxcost-" + System.currentTimeMillis();
        try (Resp r = new Resp(redis[0], Integer.parseInt(redis[1]));
                InputStream in = GapIndexCost.class.getResourceAsStream("/io/seqaudit/state/checkpoint.lua")) {
            String sha = Resp.text(r.call("SCRIPT", "LOAD", new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            try {
                List<Long> with = new ArrayList<>();
                List<Long> without = new ArrayList<>();
                for (int round = 0; round < rounds; round++) {
                    String withP = prefix + ":" + round + ":{a}:";
                    String withoutP = prefix + ":" + round + ":{b}:";
                    fill(r, withP, existing);
                    fill(r, withoutP, existing);
                    for (int c = 0; c < checkpoints; c++) {
                        for (int v = 0; v < 2; v++) { // the two variants in turn, the first alternating
                            boolean index = (c + v) % 2 == 0;
                            List<String> call = checkpoint(sha, index ? withP : withoutP, index, existing,
                                    perCheckpoint, streams, c);
                            long t0 = System.nanoTime();
                            Object reply = r.call(call.toArray(String[]::new));
                            (index ? with : without).add(System.nanoTime() - t0);
                            if (!String.valueOf(reply).startsWith("[1")) {
                                throw new IllegalStateException("checkpoint refused: " + reply);
                            }
                        }
                    }
                    r.deleteMatching(prefix + ":" + round + ":*");
                }
                System.out.printf("existing gaps %d, per checkpoint %d streams written and %d gaps opened + %d closed,"
                        + " %d x %d checkpoints%n", existing, streams, perCheckpoint, perCheckpoint, rounds, checkpoints);
                System.out.printf("median per checkpoint: without index %.3f ms, with index %.3f ms (%+.1f%%)%n",
                        median(without) / 1e6, median(with) / 1e6, 100.0 * (median(with) - median(without))
                                / median(without));
            } finally {
                r.deleteMatching(prefix + ":*");
            }
        }
    }

    /** The shard as an auditor left it: {@code n} open gaps in the hash and (harmless when unused) the index. */
    private static void fill(Resp r, String p, int n) {
        r.call("HSET", p + "meta", "gen", "g1");
        for (int i = 0; i < n; i += 1000) {
            List<String> hset = new ArrayList<>(List.of("HSET", p + "gaps"));
            List<String> zadd = new ArrayList<>(List.of("ZADD", p + "gapidx"));
            for (int j = i; j < Math.min(n, i + 1000); j++) {
                hset.add(id(j));
                hset.add(json(j));
                zadd.add("0");
                zadd.add(id(j));
            }
            r.call(hset.toArray(String[]::new));
            r.call(zadd.toArray(String[]::new));
        }
        r.call("HSET", p + "totals", TotalField.Fixed.MISSING_SUSPECTED.field(), Integer.toString(n),
                TotalField.Fixed.STREAMS.field(), "1");
        r.call("HSET", p + "streams", "s", "x");
        r.call("HSET", p + "pe", "pe", "1 p");
        r.call("HSET", p + "open", "s", "0");
    }

    /** Checkpoint {@code c}: opens gaps existing + c*k .. and closes gaps c*k .. (the oldest). */
    private static List<String> checkpoint(String sha, String p, boolean index, int existing, int k, int streams,
            int c) {
        List<String> keys = new ArrayList<>();
        for (String name : List.of("offsets", "cover", "progress", "streams", "gaps", "open", "totals", "dups", "pe",
                "expired", "meta", "leader", "journal")) {
            keys.add(p + name);
        }
        if (index) {
            keys.add(p + "gapidx");
        }
        List<String> call = new ArrayList<>(List.of("EVALSHA", sha, Integer.toString(keys.size())));
        call.addAll(keys);
        call.addAll(List.of("g1", "cp" + c, "0")); // generation, checkpoint id, no partitions
        call.add(Integer.toString(streams)); // streams written (unguarded), among them each opened gap's
        for (int i = 0; i < streams; i++) {
            call.addAll(List.of("stream-" + (existing + c * streams + i), "u", "", "stream-blob-of-about-40-bytes-" + i));
        }
        call.add(Integer.toString(2 * k)); // gaps: k opened, k closed
        for (int i = 0; i < k; i++) {
            int opened = existing + c * k + i;
            call.addAll(List.of(id(opened), json(opened), id(c * k + i), ""));
        }
        call.add(Integer.toString(k)); // open
        for (int i = 0; i < k; i++) {
            call.addAll(List.of("stream-" + (existing + c * k + i), "3"));
        }
        call.addAll(List.of("0", "1000", "0", "0", "0", "0", "0")); // totals, dups cap + n, pe, expired, journal, meta
        return call;
    }

    private static String id(int n) {
        return "orders.AAECAwQFBgcICQoLDA0ODw" + Integer.toString(n, 36) + ".1";
    }

    private static String json(int n) {
        return String.format(GAP_JSON, id(n), n, 1, 1);
    }

    private static double median(List<Long> xs) {
        long[] s = xs.stream().mapToLong(Long::longValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }

    private static int opt(List<String> a, String name, int dflt) {
        int i = a.indexOf(name);
        return i < 0 ? dflt : Integer.parseInt(a.get(i + 1));
    }
}

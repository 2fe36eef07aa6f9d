package io.seqaudit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real 3-master Redis Cluster on loopback for the tests, started and stopped by
 * {@code deploy/local/redis-cluster.sh} on ports of the test's choosing, and driven with {@code redis-cli}: which
 * master holds which keys, and moving one slot (with its keys) to another master while clients use it, as
 * {@code redis-cli --cluster reshard} does (CLUSTER SETSLOT IMPORTING / MIGRATING, MIGRATE, SETSLOT NODE).
 */
public final class RedisClusterSupport implements AutoCloseable {

    private final List<Integer> ports;

    public RedisClusterSupport(int... ports) {
        this.ports = new ArrayList<>();
        for (int p : ports) {
            this.ports.add(p);
        }
    }

    /** Starts the cluster (the script does nothing if one already runs on these ports). */
    public RedisClusterSupport start() {
        script("start");
        return this;
    }

    @Override
    public void close() {
        script("stop");
    }

    /** The node list for {@code QUARKUS_REDIS_HOSTS}. */
    public String hosts() {
        return String.join(",", ports.stream().map(p -> "redis://127.0.0.1:" + p).toList());
    }

    /** Master port → how many keys it holds that match {@code pattern}. */
    public Map<Integer, Integer> keysPerMaster(String pattern) {
        Map<Integer, Integer> out = new LinkedHashMap<>();
        for (int p : ports) {
            out.put(p, (int) cli(p, "--scan", "--pattern", pattern).stream().filter(l -> !l.isBlank()).count());
        }
        return out;
    }

    /** The master that serves a slot. */
    public int ownerOf(int slot) {
        for (int p : ports) {
            for (String line : cli(p, "cluster", "nodes")) {
                if (!line.contains("myself")) {
                    continue;
                }
                String[] f = line.split(" ");
                for (int i = 8; i < f.length; i++) {
                    String[] range = f[i].split("-");
                    if (f[i].startsWith("[")) {
                        continue;
                    }
                    int lo = Integer.parseInt(range[0]);
                    int hi = range.length > 1 ? Integer.parseInt(range[1]) : lo;
                    if (slot >= lo && slot <= hi) {
                        return p;
                    }
                }
            }
        }
        throw new IllegalStateException("no master serves slot " + slot);
    }

    public int slotOf(String tag) {
        return Integer.parseInt(cli(ports.get(0), "cluster", "keyslot", tag).get(0).trim());
    }

    /** Moves a slot with its keys to the next master while it is in use; returns the new owner. */
    public int moveSlot(int slot) {
        int src = ownerOf(slot);
        int dst = ports.get((ports.indexOf(src) + 1) % ports.size());
        String srcId = cli(src, "cluster", "myid").get(0).trim();
        String dstId = cli(dst, "cluster", "myid").get(0).trim();
        cli(dst, "cluster", "setslot", String.valueOf(slot), "importing", srcId);
        cli(src, "cluster", "setslot", String.valueOf(slot), "migrating", dstId);
        while (true) {
            List<String> keys = cli(src, "cluster", "getkeysinslot", String.valueOf(slot), "100").stream()
                    .filter(k -> !k.isBlank()).toList();
            if (keys.isEmpty()) {
                break;
            }
            List<String> args = new ArrayList<>(List.of("migrate", "127.0.0.1", String.valueOf(dst), "", "0", "5000",
                    "keys"));
            args.addAll(keys);
            cli(src, args.toArray(String[]::new));
        }
        for (int p : ports) {
            cli(p, "cluster", "setslot", String.valueOf(slot), "node", dstId);
        }
        assertThat(ownerOf(slot)).isEqualTo(dst);
        return dst;
    }

    private void script(String command) {
        String ports = String.join(" ", this.ports.stream().map(String::valueOf).toList());
        run(List.of("bash", "deploy/local/redis-cluster.sh", command), Map.of("SEQAUDIT_REDIS_CLUSTER_PORTS", ports,
                "SEQAUDIT_RUN", java.nio.file.Path.of("target", "redis-cluster-run").toAbsolutePath().toString()));
    }

    private static List<String> cli(int port, String... args) {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-p", String.valueOf(port)));
        cmd.addAll(List.of(args));
        return run(cmd, Map.of());
    }

    private static List<String> run(List<String> cmd, Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException(cmd + " failed:\n" + out);
            }
            return out.lines().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

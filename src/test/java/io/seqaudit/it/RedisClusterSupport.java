package io.seqaudit.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The 3-master Redis Cluster of {@code deploy/local/redis-cluster.sh} (127.0.0.1:7001-7003): start it if it is
 * not running (and stop it on {@link #close()} only then), list which master holds which keys, and move one slot
 * from a master to another while clients run ({@code CLUSTER SETSLOT ... IMPORTING/MIGRATING}, {@code MIGRATE}
 * per batch of keys, then {@code SETSLOT ... NODE}), the way {@code redis-cli --cluster reshard} does, so a test
 * decides exactly which slot moves and when. Used from the test thread; every failure throws.
 */
public final class RedisClusterSupport implements AutoCloseable {

    private static final String SCRIPT = "redis-cluster.sh";
    private static final String HOST = "127.0.0.1";

    private final boolean startedHere;

    /** One master: its address, node id and the slot ranges it serves ({@code "0-5460"}, ...). */
    public record Master(int port, String id, List<String> slots) {
    }

    private RedisClusterSupport(boolean startedHere) {
        this.startedHere = startedHere;
    }

    /** Reuses a healthy cluster, else starts a fresh one (about 2 s); {@link #close()} stops only one started here. */
    public static RedisClusterSupport startOrReuse() {
        if (LocalScript.tryRun(SCRIPT, "status").exit() == 0) {
            return new RedisClusterSupport(false);
        }
        LocalScript.run(SCRIPT, "start");
        return new RedisClusterSupport(true);
    }

    /** The node list as the service takes it: {@code QUARKUS_REDIS_HOSTS}. */
    public String hosts() {
        StringBuilder sb = new StringBuilder();
        for (Master m : masters()) {
            sb.append(sb.isEmpty() ? "" : ",").append("redis://").append(HOST).append(':').append(m.port());
        }
        return sb.toString();
    }

    /** The masters, from {@code CLUSTER NODES} (asked of any of them). */
    public List<Master> masters() {
        String nodes;
        try (RedisProbe r = new RedisProbe(HOST, anyPort())) {
            nodes = (String) r.command("CLUSTER", "NODES");
        }
        List<Master> out = new ArrayList<>();
        for (String line : nodes.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 8 || !f[2].contains("master") || f[2].contains("fail")) {
                continue;
            }
            int port = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1).replaceAll("@.*", ""));
            List<String> slots = new ArrayList<>();
            for (int i = 8; i < f.length; i++) {
                if (!f[i].startsWith("[")) { // "[slot->-id]" marks a migration in flight, not a served slot
                    slots.add(f[i]);
                }
            }
            out.add(new Master(port, f[0], slots));
        }
        out.sort((a, b) -> Integer.compare(a.port(), b.port()));
        return out;
    }

    /** Per master port, the keys matching a glob pattern it holds (SCAN on each master). */
    public Map<Integer, List<String>> keysByMaster(String pattern) {
        Map<Integer, List<String>> out = new TreeMap<>();
        for (Master m : masters()) {
            List<String> keys = new ArrayList<>();
            try (RedisProbe r = new RedisProbe(HOST, m.port())) {
                String cursor = "0";
                do {
                    List<?> page = (List<?>) r.command("SCAN", cursor, "MATCH", pattern, "COUNT", "1000");
                    cursor = (String) page.get(0);
                    for (Object k : (List<?>) page.get(1)) {
                        keys.add((String) k);
                    }
                } while (!cursor.equals("0"));
            }
            out.put(m.port(), keys);
        }
        return out;
    }

    /** The hash slot of a key ({@code CLUSTER KEYSLOT}). */
    public int slot(String key) {
        try (RedisProbe r = new RedisProbe(HOST, anyPort())) {
            return ((Long) r.command("CLUSTER", "KEYSLOT", key)).intValue();
        }
    }

    /** The port of the master that serves a slot. */
    public int masterOf(int slot) {
        for (Master m : masters()) {
            for (String range : m.slots()) {
                String[] ab = range.split("-");
                int lo = Integer.parseInt(ab[0]);
                int hi = ab.length > 1 ? Integer.parseInt(ab[1]) : lo;
                if (slot >= lo && slot <= hi) {
                    return m.port();
                }
            }
        }
        throw new IllegalStateException("no master serves slot " + slot);
    }

    /**
     * Moves {@code slot} with its keys to the master on {@code toPort} while clients keep using it: during the
     * move its clients get ASK redirections, afterwards MOVED. Returns how many keys moved.
     */
    public int moveSlot(int slot, int toPort) {
        int fromPort = masterOf(slot);
        if (fromPort == toPort) {
            return 0;
        }
        String s = String.valueOf(slot);
        int moved = 0;
        try (RedisProbe from = new RedisProbe(HOST, fromPort); RedisProbe to = new RedisProbe(HOST, toPort)) {
            String fromId = (String) from.command("CLUSTER", "MYID");
            String toId = (String) to.command("CLUSTER", "MYID");
            to.command("CLUSTER", "SETSLOT", s, "IMPORTING", fromId);
            from.command("CLUSTER", "SETSLOT", s, "MIGRATING", toId);
            while (true) {
                List<?> keys = (List<?>) from.command("CLUSTER", "GETKEYSINSLOT", s, "100");
                if (keys.isEmpty()) {
                    break;
                }
                List<String> args = new ArrayList<>(List.of("MIGRATE", HOST, String.valueOf(toPort), "", "0",
                        "10000", "KEYS"));
                keys.forEach(k -> args.add((String) k));
                from.command(args.toArray(String[]::new));
                moved += keys.size();
            }
            // The target first: once it owns the slot, the source's redirections point to a node that serves it.
            to.command("CLUSTER", "SETSLOT", s, "NODE", toId);
            from.command("CLUSTER", "SETSLOT", s, "NODE", toId);
            for (Master m : masters()) {
                if (m.port() != fromPort && m.port() != toPort) {
                    try (RedisProbe other = new RedisProbe(HOST, m.port())) {
                        other.command("CLUSTER", "SETSLOT", s, "NODE", toId);
                    }
                }
            }
        }
        return moved;
    }

    private static int anyPort() {
        String ports = System.getenv().getOrDefault("SEQAUDIT_REDIS_CLUSTER_PORTS", "7001 7002 7003");
        return Integer.parseInt(ports.trim().split("\\s+")[0]);
    }

    @Override
    public void close() {
        if (startedHere) {
            LocalScript.run(SCRIPT, "stop");
        }
    }
}

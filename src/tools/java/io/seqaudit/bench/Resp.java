package io.seqaudit.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import io.vertx.redis.client.ProtocolVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The benchmark's own blocking Redis probes (reading the auditor's offsets, memory figures, deleting the
 * benchmark's keys) over the Vert.x Redis client the service uses: one connection, RESP2 (so replies keep their
 * array shapes), one event loop thread, each call waiting up to 30 s. Not thread-safe.
 */
final class Resp implements AutoCloseable {

    private static final long TIMEOUT_SECONDS = 30;

    private final Vertx vertx;
    private final RedisConnection connection;

    Resp(String host, int port) {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        try {
            connection = await(Redis.createClient(vertx, new RedisOptions().setConnectionString(
                    "redis://" + host + ":" + port).setPreferredProtocolVersion(ProtocolVersion.RESP2)).connect(),
                    "cannot connect to Redis at " + host + ":" + port);
        } catch (RuntimeException e) {
            vertx.close();
            throw e;
        }
    }

    /** Sends one command and returns its reply: String, Long, byte[] (bulk), List (array) or null. */
    Object call(String... args) {
        Request r = Request.cmd(Command.create(args[0]));
        for (int i = 1; i < args.length; i++) {
            r.arg(args[i]);
        }
        return plain(await(connection.send(r), "Redis " + args[0] + " failed"));
    }

    /** The reply as the plain Java values the callers read. */
    private static Object plain(Response r) {
        if (r == null) {
            return null;
        }
        if (r.type() == ResponseType.MULTI) {
            List<Object> items = new ArrayList<>(r.size());
            for (Response item : r) {
                items.add(plain(item));
            }
            return items;
        }
        if (r.type() == ResponseType.NUMBER) {
            return r.toLong();
        }
        if (r.type() == ResponseType.BULK) {
            return r.toBytes();
        }
        return r.toString();
    }

    private static <T> T await(io.vertx.core.Future<T> f, String what) {
        CompletableFuture<T> c = f.toCompletionStage().toCompletableFuture();
        try {
            return c.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(what + ": " + (e.getCause() == null ? e : e.getCause()), e);
        }
    }

    long callLong(String... args) {
        Object r = call(args);
        return r == null ? 0 : (Long) r;
    }

    /** Sum of a hash's values read as decimals (e.g. the next offsets of every partition); 0 if absent. */
    long sumHashValues(String key) {
        long sum = 0;
        for (Object v : (List<?>) call("HVALS", key)) {
            sum += Long.parseLong(text(v));
        }
        return sum;
    }

    /** One field of {@code INFO <section>} as a long, e.g. used_memory. */
    long info(String section, String field) {
        return (long) infoDouble(section, field);
    }

    double infoDouble(String section, String field) {
        for (String line : text(call("INFO", section)).split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return Double.parseDouble(line.substring(field.length() + 1).trim());
            }
        }
        throw new IllegalStateException("INFO " + section + " has no " + field);
    }

    /** Every key matching a glob pattern (SCAN, never KEYS). */
    List<String> scan(String pattern) {
        List<String> keys = new ArrayList<>();
        String cursor = "0";
        do {
            List<?> r = (List<?>) call("SCAN", cursor, "MATCH", pattern, "COUNT", "1000");
            cursor = text(r.get(0));
            for (Object k : (List<?>) r.get(1)) {
                keys.add(text(k));
            }
        } while (!cursor.equals("0"));
        return keys;
    }

    /**
     * Deletes every key matching the pattern; returns how many. DEL, not UNLINK: the memory must be free when this
     * returns, or the next round's "used_memory before" would still count it.
     */
    int deleteMatching(String pattern) {
        List<String> keys = scan(pattern);
        for (int i = 0; i < keys.size(); i += 500) {
            List<String> part = keys.subList(i, Math.min(keys.size(), i + 500));
            List<String> args = new ArrayList<>(part.size() + 1);
            args.add("DEL");
            args.addAll(part);
            call(args.toArray(String[]::new));
        }
        return keys.size();
    }

    /** Bytes Redis attributes to the keys (MEMORY USAGE, exact: SAMPLES 0). */
    long memoryUsage(List<String> keys) {
        long sum = 0;
        for (String k : keys) {
            sum += callLong("MEMORY", "USAGE", k, "SAMPLES", "0");
        }
        return sum;
    }

    static String text(Object reply) {
        return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
    }

    @Override
    public void close() {
        connection.close();
        vertx.close();
    }
}

package io.seqaudit.it;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Watches or cleans the audit state from outside the auditor process ({@code HGETALL}, {@code DEL}) with the
 * Vert.x Redis client the service uses, over one connection of its own, waiting up to 10 s for each answer.
 * Not thread-safe; fails with {@link IllegalStateException} when Redis does not answer.
 */
public final class RedisProbe implements AutoCloseable {

    private static final long TIMEOUT_SECONDS = 10;

    private final Vertx vertx;
    private final RedisConnection connection;

    public RedisProbe(String host, int port) {
        vertx = Vertx.vertx();
        try {
            connection = await(Redis.createClient(vertx, "redis://" + host + ":" + port).connect()
                    .toCompletionStage().toCompletableFuture());
        } catch (RuntimeException e) {
            vertx.close();
            throw e;
        }
    }

    /** Redis at 127.0.0.1:6379, the one the auditor uses by default. */
    public static RedisProbe local() {
        return new RedisProbe("127.0.0.1", 6379);
    }

    /** An integer hash (partition → value), e.g. {@code <prefix>:{<topic>}:offsets}. */
    public Map<Integer, Long> partitionValues(String key) {
        Response r = send(Request.cmd(Command.HGETALL).arg(key));
        Map<Integer, Long> m = new HashMap<>();
        for (String field : r.getKeys()) {
            m.put(Integer.parseInt(field), r.get(field).toLong());
        }
        return m;
    }

    public long del(List<String> keys) {
        Request del = Request.cmd(Command.DEL);
        keys.forEach(del::arg);
        return send(del).toLong();
    }

    private Response send(Request request) {
        return await(connection.send(request).toCompletionStage().toCompletableFuture());
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Redis: " + e, e);
        }
    }

    @Override
    public void close() {
        connection.close();
        vertx.close();
    }
}

package io.seqaudit.state;

import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * One consumer thread's road to Redis for its checkpoints: a connection of its own (on a Redis Cluster, one per
 * master), so that checkpoints reach each shard in the order they were sent. The pooled client takes any free
 * connection for each request, and Redis may then run two requests of two connections in either order.
 *
 * <p>That order is what lets the auditor send a checkpoint before the one before it is answered: the second is
 * built on top of the first, so it is {@link Checkpoint#chain chained} to it and applies only after it (the script
 * refuses it otherwise, writing nothing). Order makes that refusal rare; the chain makes it safe.
 *
 * <p>Threads: used by the auditor's consumer thread only; the client's event loop marks the connection broken.
 * Failure: a connection that fails or closes is dropped and replaced at the next send; a send that cannot connect
 * throws {@link StateUnavailableException}.
 */
public final class CheckpointLane implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CheckpointLane.class);

    private final StateStore store;
    private final Redis redis;
    private final Duration timeout;
    /** Names this lane's chain key in each shard. */
    private final String id = UUID.randomUUID().toString();
    private RedisConnection connection;
    private volatile boolean broken;

    CheckpointLane(StateStore store, Redis redis, Duration timeout) {
        this.store = store;
        this.redis = redis;
        this.timeout = timeout;
    }

    /**
     * Sends checkpoints of several shards at once and returns at once, like {@link StateStore#applyAll(List)}, on
     * this lane. {@code after} holds, per checkpoint, the id of the checkpoint sent before it to the same shard on
     * this lane and not answered yet (null if none): it then applies only after that one did.
     */
    public PendingCheckpoints applyAll(List<Checkpoint> checkpoints, List<String> after) {
        RedisConnection c = connection();
        for (int i = 0; i < checkpoints.size(); i++) {
            Checkpoint cp = checkpoints.get(i);
            cp.chain(cp.keys().chain(id), after.get(i));
        }
        return store.applyAll(checkpoints, req -> send(c, req));
    }

    private CompletableFuture<Response> send(RedisConnection c, Request req) {
        // Bounded here too: a connection that stopped answering (no reset seen) is replaced, not waited on forever.
        return c.send(req).subscribeAsCompletionStage().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((r, e) -> {
                    if (e != null && !String.valueOf(e.getMessage()).contains("NOSCRIPT")) {
                        // A request that failed may leave the connection in any state: the next send takes a new one.
                        broken = true;
                    }
                });
    }

    private RedisConnection connection() {
        if (connection != null && !broken) {
            return connection;
        }
        if (connection != null) {
            LOG.info("The connection for checkpoints failed or closed; opening a new one");
        }
        close();
        try {
            RedisConnection c = redis.connect().await().atMost(timeout);
            broken = false;
            c.exceptionHandler(e -> broken = true);
            c.endHandler(() -> broken = true);
            connection = c;
            return c;
        } catch (RuntimeException e) {
            throw new StateUnavailableException("Redis did not accept a connection for checkpoints: " + e, e);
        }
    }

    /** Closes the connection, if any (a later send opens a new one). */
    @Override
    public void close() {
        RedisConnection c = connection;
        connection = null;
        if (c != null) {
            c.close().subscribe().with(v -> { }, e -> LOG.debugf("Closing the checkpoint connection: %s", e));
        }
    }
}

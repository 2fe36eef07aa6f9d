package io.seqaudit.state;

import io.vertx.mutiny.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Checkpoints sent to Redis and not yet answered: the auditor sends one poll's checkpoints, reads and audits the
 * next poll while Redis applies them, then {@link #await}s. Used by the consumer thread only.
 */
public final class PendingCheckpoints {

    private final List<Checkpoint> checkpoints;
    private final List<CompletableFuture<Response>> futures;
    private final StateStore store;

    PendingCheckpoints(List<Checkpoint> checkpoints, List<CompletableFuture<Response>> futures, StateStore store) {
        this.checkpoints = checkpoints;
        this.futures = futures;
        this.store = store;
    }

    public List<Checkpoint> checkpoints() {
        return checkpoints;
    }

    /**
     * The result of each checkpoint, in order. A checkpoint whose reply is lost (timeout, connection dropped) is
     * resolved by reading back which checkpoint last moved its partitions, so it is never counted twice nor
     * missed; if Redis cannot be read either, throws {@link StateUnavailableException} for that one.
     */
    public List<Checkpoint.Result> await() {
        List<Checkpoint.Result> out = new ArrayList<>(futures.size());
        StateUnavailableException failure = null;
        for (int i = 0; i < futures.size(); i++) {
            try {
                out.add(StateStore.result(store.awaitResponse(futures.get(i), "checkpoint")));
            } catch (StateUnavailableException e) {
                out.add(null);
                failure = e;
            }
        }
        if (failure == null) {
            return out;
        }
        // Some replies are missing: each of those checkpoints either applied whole or not at all. Read which.
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i) == null) {
                out.set(i, resolve(checkpoints.get(i), failure));
            }
        }
        return out;
    }

    private Checkpoint.Result resolve(Checkpoint cp, StateUnavailableException failure) {
        List<Integer> parts = cp.partitionNumbers();
        if (parts.isEmpty()) {
            throw failure;
        }
        boolean applied = store.lastCheckpoints(cp.keys(), parts).values().stream().allMatch(cp.id()::equals);
        if (!applied) {
            throw failure;
        }
        return Checkpoint.Result.APPLIED;
    }
}

package io.seqaudit.state;

import io.seqaudit.config.SeqauditConfig;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The audit state in Redis: runs the state scripts (checkpoint, identity, re-audit) and the plain commands the
 * readers need. Blocking calls block the calling thread (the auditor's consumer thread, or a REST worker thread)
 * for at most the configured timeout, and throw {@link StateUnavailableException} when Redis does not answer or
 * answers with an error; the caller decides whether to retry. Keeps no state of its own.
 */
@ApplicationScoped
public class StateStore {

    private static final LuaScript CHECKPOINT = LuaScript.load("checkpoint.lua");
    private static final LuaScript IDENTIFY = LuaScript.load("identify.lua");
    private static final LuaScript REAUDIT = LuaScript.load("reaudit.lua");

    private final Redis redis;
    private final Duration timeout;
    private final String prefix;
    private final int shards;

    @jakarta.inject.Inject
    public StateStore(Redis redis, SeqauditConfig config,
            @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType) {
        this(redis, config.state().timeout(), config.state().prefix(),
                config.state().shards().orElse("cluster".equalsIgnoreCase(clientType) ? 16 : 1));
    }

    /** For use outside CDI (tests, tools): the Redis client, the timeout of one call, key prefix and shards. */
    public StateStore(Redis redis, Duration timeout, String prefix, int shards) {
        this.redis = redis;
        this.timeout = timeout;
        this.prefix = prefix;
        this.shards = shards;
    }

    /** The topic-level keys of a topic (shard 0: replays, re-audits, the identity that marks creation complete). */
    public TopicKeys keys(String topic) {
        return layout(topic).topicLevel();
    }

    /** Where a topic's state lives. */
    public TopicLayout layout(String topic) {
        return new TopicLayout(prefix, topic, shards);
    }

    /** Applies one checkpoint, blocking. */
    public Checkpoint.Result apply(Checkpoint checkpoint) {
        return applyAll(List.of(checkpoint)).await().get(0);
    }

    /**
     * Sends checkpoints of several shards at once (pipelined; on Redis Cluster, to their masters in parallel) and
     * returns at once. Each applies whole or not at all, independently of the others.
     */
    public PendingCheckpoints applyAll(List<Checkpoint> checkpoints) {
        return applyAll(checkpoints, this::sendAsync);
    }

    /** As {@link #applyAll(List)}, each request sent by {@code sender}. */
    PendingCheckpoints applyAll(List<Checkpoint> checkpoints,
            Function<Request, CompletableFuture<Response>> sender) {
        List<CompletableFuture<Response>> futures = new ArrayList<>(checkpoints.size());
        for (Checkpoint cp : checkpoints) {
            futures.add(eval(CHECKPOINT, cp.scriptKeys(), cp.arguments(), sender));
        }
        return new PendingCheckpoints(checkpoints, futures, this);
    }

    /**
     * A lane of its own for one consumer thread's checkpoints: requests it sends apply in the order sent, so a
     * second checkpoint may be sent before the first is answered. Close it when the thread stops.
     */
    public CheckpointLane lane() {
        return new CheckpointLane(this, redis, timeout);
    }

    static Checkpoint.Result result(Response r) {
        long status = r.get(0).toLong();
        if (status == 1L) {
            return Checkpoint.Result.APPLIED;
        }
        if (status == 3L) {
            return Checkpoint.Result.PREDECESSOR_NOT_APPLIED;
        }
        if (status == 2L) {
            String gen = r.get(2).toString();
            return new Checkpoint.Result(Checkpoint.Status.STATE_CHANGED, Map.of(), Map.of(), r.get(1).toString(),
                    gen.isEmpty() ? null : gen);
        }
        Map<Integer, Long> offsets = new HashMap<>();
        Response oc = r.get(1);
        for (int i = 0; i + 1 < oc.size(); i += 2) {
            offsets.put(Integer.parseInt(oc.get(i).toString()), Long.parseLong(oc.get(i + 1).toString()));
        }
        Map<FieldKey, byte[]> streams = new HashMap<>();
        Response sc = r.get(2);
        for (int i = 0; i + 1 < sc.size(); i += 2) {
            byte[] v = sc.get(i + 1).toBytes();
            streams.put(new FieldKey(sc.get(i).toBytes()), v.length == 0 ? null : v);
        }
        return new Checkpoint.Result(Checkpoint.Status.CONFLICT, offsets, streams, null, null);
    }

    /**
     * Reads a shard's identity, creating it with {@code generation} if the shard holds nothing at all
     * ({@code generation} null: only read).
     */
    public ShardIdentity identify(TopicKeys shard, String generation, String origin, long now) {
        List<byte[]> args = List.of(bytes(generation == null ? "" : generation), bytes(String.valueOf(shard.shards())),
                bytes(origin), bytes(String.valueOf(now)));
        Response r = awaitResponse(eval(IDENTIFY, shard.stateKeys(), args), "identity of " + shard.tag());
        return switch (r.get(0).toInteger()) {
            case 1 -> new ShardIdentity(r.get(1).toString(), parseInt(r.get(2).toString()), r.get(3).toString(),
                    "1".equals(r.get(4).toString()), null);
            case 0 -> new ShardIdentity(null, 0, null, false, r.get(1).toString());
            default -> ShardIdentity.EMPTY;
        };
    }

    /** Marks a topic's state complete: every shard has its identity (set on shard 0). */
    public void markComplete(TopicKeys shard0) {
        send(Request.cmd(Command.HSET).arg(shard0.meta()).arg("complete").arg("1"));
    }

    /** Deletes a shard's audit state and gives it a new generation, atomically (the re-audit action). */
    public void reaudit(TopicKeys shard, String generation, long now, boolean complete) {
        List<byte[]> args = List.of(bytes(generation), bytes(String.valueOf(shard.shards())),
                bytes(String.valueOf(now)), bytes(complete ? "1" : "0"));
        awaitResponse(eval(REAUDIT, shard.stateKeys(), args), "re-audit of " + shard.tag());
    }

    /** The checkpoint id that last moved each of some partitions in a shard (null where none). */
    public Map<Integer, String> lastCheckpoints(TopicKeys shard, List<Integer> partitions) {
        Request req = Request.cmd(Command.HMGET).arg(shard.meta());
        partitions.forEach(p -> req.arg("cp:" + p));
        Response r = send(req);
        Map<Integer, String> out = new HashMap<>();
        for (int i = 0; i < partitions.size(); i++) {
            out.put(partitions.get(i), r.get(i) == null ? null : r.get(i).toString());
        }
        return out;
    }

    /** Integer hash of partition → long, e.g. offsets, coverage starts, progress. */
    public Map<Integer, Long> partitionValues(String key) {
        Map<Integer, Long> out = new HashMap<>();
        Response r = send(Request.cmd(Command.HGETALL).arg(key));
        for (String f : r.getKeys()) {
            out.put(Integer.parseInt(f), Long.parseLong(r.get(f).toString()));
        }
        return out;
    }

    /**
     * Per partition of a topic, the progress time (epoch ms) that every shard of its state has reached: the slowest
     * shard's, a shard without one counting as 0. Each shard stores the clock in the same script as the offset it
     * applied, so after a batch applied in some shards only (a crash between the checkpoints, a refused one), the
     * shards disagree until the batch is read again. A faster shard's clock would run out the grace of a gap held
     * in a slower shard before that shard has read the record that fills it: a seq that came within its grace would
     * be reported lost, then late.
     */
    public Map<Integer, Long> progress(TopicLayout layout) {
        List<Map<Integer, Long>> shards = layout.all().stream().map(k -> partitionValues(k.progress())).toList();
        Map<Integer, Long> out = new HashMap<>();
        for (Map<Integer, Long> shard : shards) {
            for (Integer p : shard.keySet()) {
                out.computeIfAbsent(p, q -> shards.stream().mapToLong(m -> m.getOrDefault(q, 0L)).min().orElse(0L));
            }
        }
        return out;
    }

    /** The stored blobs of some streams of one shard (absent ones are left out). */
    public Map<FieldKey, byte[]> streams(TopicKeys shard, List<FieldKey> fields) {
        Map<FieldKey, byte[]> out = new LinkedHashMap<>();
        for (int i = 0; i < fields.size(); i += 1000) {
            List<FieldKey> part = fields.subList(i, Math.min(fields.size(), i + 1000));
            Request req = Request.cmd(Command.HMGET).arg(shard.streams());
            part.forEach(f -> req.arg(f.bytes()));
            Response r = send(req);
            for (int j = 0; j < part.size(); j++) {
                Response v = r.get(j);
                if (v != null) {
                    out.put(part.get(j), v.toBytes());
                }
            }
        }
        return out;
    }

    /** Some fields of a binary hash (absent ones left out). */
    public Map<String, byte[]> hashFields(String key, List<String> fields) {
        Map<String, byte[]> out = new HashMap<>();
        if (fields.isEmpty()) {
            return out;
        }
        Request req = Request.cmd(Command.HMGET).arg(key);
        fields.forEach(req::arg);
        Response r = send(req);
        for (int i = 0; i < fields.size(); i++) {
            if (r.get(i) != null) {
                out.put(fields.get(i), r.get(i).toBytes());
            }
        }
        return out;
    }

    /** A text hash field, or null. */
    public String hashGet(String key, String field) {
        Response r = send(Request.cmd(Command.HGET).arg(key).arg(field));
        return r == null ? null : r.toString();
    }

    /** Every field of a hash, as text; {@code limit} bounds how many are read. */
    public Map<String, String> hashAll(String key) {
        Map<String, String> out = new LinkedHashMap<>();
        scan(key, (f, v) -> out.put(new String(f, StandardCharsets.UTF_8), new String(v, StandardCharsets.UTF_8)),
                Integer.MAX_VALUE);
        return out;
    }

    /** Deletes a hash field only if it holds {@code expected}; true if deleted. */
    public boolean hashDeleteIfEquals(String key, String field, String expected) {
        return send(Request.cmd(Command.EVAL).arg(HDEL_IF_EQUALS).arg(1).arg(key).arg(field).arg(expected))
                .toLong() == 1L;
    }

    private static final String HDEL_IF_EQUALS = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then "
            + "return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0";

    public void hashPut(String key, String field, String value) {
        send(Request.cmd(Command.HSET).arg(key).arg(field).arg(value));
    }

    /** Pushes onto a list, keeping its newest {@code cap} entries. */
    public void pushCapped(String key, String value, int cap) {
        send(Request.cmd(Command.LPUSH).arg(key).arg(value));
        send(Request.cmd(Command.LTRIM).arg(key).arg(0).arg(cap - 1));
    }

    /** The newest {@code limit} entries of a list, newest first. */
    public List<String> listHead(String key, int limit) {
        Response r = send(Request.cmd(Command.LRANGE).arg(key).arg(0).arg(limit - 1));
        List<String> out = new ArrayList<>(r.size());
        r.forEach(x -> out.add(x.toString()));
        return out;
    }

    /**
     * Takes or renews a lease: true if {@code owner} holds {@code key} for {@code ttl} now. A lease that its
     * holder stopped renewing (it crashed) expires and another instance takes it.
     */
    public boolean lease(String key, String owner, Duration ttl) {
        Response r = send(Request.cmd(Command.EVAL).arg(LEASE).arg(1).arg(key).arg(owner).arg(ttl.toMillis()));
        return r.toLong() == 1L;
    }

    private static final String LEASE = "local c = redis.call('GET', KEYS[1]) "
            + "if c == false or c == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end "
            + "return 0";

    /** Deletes every key of a topic's audit state and its replays (tests and demo resets). */
    public void deleteTopic(TopicLayout layout) {
        for (TopicKeys shard : layout.all()) {
            Request req = Request.cmd(Command.DEL);
            shard.stateKeys().forEach(req::arg);
            send(req);
        }
        send(Request.cmd(Command.DEL).arg(layout.topicLevel().replays()).arg(layout.topicLevel().replayIndex())
                .arg(layout.topicLevel().reaudits()));
    }

    /** Answers whether Redis responds to PING within the timeout. */
    public boolean ping() {
        try {
            // Short on purpose: a health probe must answer well within its own timeout.
            redis.send(Request.cmd(Command.PING)).await().atMost(Duration.ofSeconds(1));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Calls {@code each} for up to {@code limit} fields of a hash, in no particular order. */
    public void scan(String key, BiConsumer<byte[], byte[]> each, int limit) {
        scanPages(key, "0", 1000, each, limit);
    }

    /**
     * One or more pages of a hash from {@code cursor}: calls {@code each} for up to about {@code limit} fields and
     * returns the cursor to go on from ("0" once the pass is complete).
     */
    public String scanPages(String key, String cursor, int count, BiConsumer<byte[], byte[]> each, int limit) {
        int n = 0;
        do {
            Response r = send(Request.cmd(Command.HSCAN).arg(key).arg(cursor).arg("COUNT").arg(count));
            cursor = r.get(0).toString();
            Response items = r.get(1);
            for (int i = 0; i + 1 < items.size() && n < limit; i += 2, n++) {
                each.accept(items.get(i).toBytes(), items.get(i + 1).toBytes());
            }
        } while (!"0".equals(cursor) && n < limit);
        return cursor;
    }

    Response send(Request req) {
        try {
            return redis.send(req).await().atMost(timeout);
        } catch (io.smallrye.mutiny.TimeoutException e) {
            throw new StateUnavailableException("Redis did not answer " + req.command() + " within " + timeout, e);
        } catch (RuntimeException e) {
            throw new StateUnavailableException("Redis failed on " + req.command() + ": " + e, e);
        }
    }

    Duration timeout() {
        return timeout;
    }

    /** Runs a script by its SHA; a node that does not know it yet gets the text once. */
    private CompletableFuture<Response> eval(LuaScript script, List<String> keys, List<byte[]> args) {
        return eval(script, keys, args, this::sendAsync);
    }

    private static CompletableFuture<Response> eval(LuaScript script, List<String> keys, List<byte[]> args,
            Function<Request, CompletableFuture<Response>> sender) {
        return sender.apply(script(Command.EVALSHA, script.sha(), keys, args))
                .exceptionallyCompose(e -> String.valueOf(e.getMessage()).contains("NOSCRIPT")
                        ? sender.apply(script(Command.EVAL, script.text(), keys, args))
                        : CompletableFuture.failedFuture(e));
    }

    private CompletableFuture<Response> sendAsync(Request req) {
        return redis.send(req).subscribeAsCompletionStage();
    }

    Response awaitResponse(CompletableFuture<Response> f, String what) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            f.cancel(false);
            throw new StateUnavailableException("Redis did not answer the " + what + " within " + timeout, e);
        } catch (ExecutionException e) {
            throw new StateUnavailableException("Redis failed on the " + what + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateUnavailableException("interrupted waiting for the " + what, e);
        }
    }

    /**
     * One array holding every argument: the client then wraps it as is, where adding them one by one grew its
     * argument list again and again (a checkpoint carries about 4 arguments per stream written; the growth was
     * 6 % of the auditor thread's allocation in a benchmark profile).
     */
    private static Request script(Command cmd, String shaOrText, List<String> keys, List<byte[]> args) {
        Object[] all = new Object[2 + keys.size() + args.size()];
        all[0] = shaOrText;
        all[1] = keys.size();
        int i = 2;
        for (String k : keys) {
            all[i++] = k;
        }
        for (byte[] a : args) {
            all[i++] = a;
        }
        return Request.cmd(cmd, all);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int parseInt(String s) {
        return s.isEmpty() ? 0 : Integer.parseInt(s);
    }
}

package io.seqaudit.state;

import io.seqaudit.config.SeqauditConfig;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The audit state in Redis: runs the checkpoint script and reads state back. Every call blocks the calling
 * thread (the auditor's consumer thread, or a REST worker thread) for at most the configured timeout, and throws
 * {@link StateUnavailableException} when Redis does not answer or answers with an error; the caller decides
 * whether to retry. Nothing here keeps state of its own besides the script's SHA.
 */
@ApplicationScoped
public class StateStore {

    private static final String SCRIPT = loadScript();

    private final Redis redis;
    private final Duration timeout;
    private final String prefix;
    private volatile String sha;

    @jakarta.inject.Inject
    public StateStore(Redis redis, SeqauditConfig config) {
        this(redis, config.state().timeout(), config.state().prefix());
    }

    /** For use outside CDI (tests, tools): the Redis client, the timeout of one call and the key prefix. */
    public StateStore(Redis redis, Duration timeout, String prefix) {
        this.redis = redis;
        this.timeout = timeout;
        this.prefix = prefix;
    }

    public TopicKeys keys(String topic) {
        return new TopicKeys(prefix, topic);
    }

    /** Applies a checkpoint atomically if every offset and state it expects is the one stored. */
    public Checkpoint.Result apply(Checkpoint checkpoint) {
        List<String> keys = checkpoint.keys().checkpointKeys();
        List<byte[]> args = checkpoint.arguments();
        Response r = eval(keys, args);
        if (r.get(0).toLong() == 1L) {
            return Checkpoint.Result.APPLIED;
        }
        Map<Integer, Long> offsets = new HashMap<>();
        Response oc = r.get(1);
        for (int i = 0; i + 1 < oc.size(); i += 2) {
            String v = oc.get(i + 1).toString();
            offsets.put(Integer.parseInt(oc.get(i).toString()), v.isEmpty() ? null : Long.parseLong(v));
        }
        Map<FieldKey, byte[]> streams = new HashMap<>();
        Response sc = r.get(2);
        for (int i = 0; i + 1 < sc.size(); i += 2) {
            byte[] v = sc.get(i + 1).toBytes();
            streams.put(new FieldKey(sc.get(i).toBytes()), v.length == 0 ? null : v);
        }
        return new Checkpoint.Result(false, offsets, streams);
    }

    private Response eval(List<String> keys, List<byte[]> args) {
        String current = sha;
        if (current != null) {
            try {
                return send(script(Command.EVALSHA, current, keys, args));
            } catch (StateUnavailableException e) {
                if (!String.valueOf(e.getMessage()).contains("NOSCRIPT")) {
                    throw e;
                }
            }
        }
        sha = send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(SCRIPT)).toString();
        return send(script(Command.EVALSHA, sha, keys, args));
    }

    private static Request script(Command cmd, String sha, List<String> keys, List<byte[]> args) {
        Request req = Request.cmd(cmd).arg(sha).arg(keys.size());
        keys.forEach(req::arg);
        args.forEach(req::arg);
        return req;
    }

    /** Integer hash of partition → long, e.g. offsets, covers, progress. */
    public Map<Integer, Long> partitionValues(String key) {
        Map<Integer, Long> out = new HashMap<>();
        Response r = send(Request.cmd(Command.HGETALL).arg(key));
        for (String f : r.getKeys()) {
            out.put(Integer.parseInt(f), Long.parseLong(r.get(f).toString()));
        }
        return out;
    }

    /** Streams with missing ranges: field → home partition. */
    public Map<FieldKey, Integer> openStreams(TopicKeys keys) {
        Map<FieldKey, Integer> out = new HashMap<>();
        scan(keys.open(), (f, v) -> out.put(new FieldKey(f), Integer.parseInt(new String(v, StandardCharsets.UTF_8))),
                Integer.MAX_VALUE);
        return out;
    }

    /** The stored blobs of some streams (absent ones are left out). */
    public Map<FieldKey, byte[]> streams(TopicKeys keys, Collection<FieldKey> fields) {
        Map<FieldKey, byte[]> out = new LinkedHashMap<>();
        List<FieldKey> list = new ArrayList<>(fields);
        for (int i = 0; i < list.size(); i += 1000) {
            List<FieldKey> part = list.subList(i, Math.min(list.size(), i + 1000));
            Request req = Request.cmd(Command.HMGET).arg(keys.streams());
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

    /** Counter name → total. */
    public Map<String, Long> totals(TopicKeys keys) {
        Map<String, Long> out = new LinkedHashMap<>();
        Response r = send(Request.cmd(Command.HGETALL).arg(keys.totals()));
        for (String f : r.getKeys()) {
            out.put(f, Long.parseLong(r.get(f).toString()));
        }
        return out;
    }

    /** Up to {@code limit} gap JSON documents of a topic, in no particular order. */
    public List<String> gaps(TopicKeys keys, int limit) {
        List<String> out = new ArrayList<>();
        scan(keys.gaps(), (f, v) -> out.add(new String(v, StandardCharsets.UTF_8)), limit);
        return out;
    }

    /** The newest {@code limit} duplicates of a topic, newest first. */
    public List<String> duplicates(TopicKeys keys, int limit) {
        Response r = send(Request.cmd(Command.LRANGE).arg(keys.duplicates()).arg(0).arg(limit - 1));
        List<String> out = new ArrayList<>(r.size());
        r.forEach(x -> out.add(x.toString()));
        return out;
    }

    /** producer-epoch hash → "epoch producer". */
    public Map<FieldKey, String> producerEpochs(TopicKeys keys) {
        Map<FieldKey, String> out = new HashMap<>();
        scan(keys.producerEpochs(), (f, v) -> out.put(new FieldKey(f), new String(v, StandardCharsets.UTF_8)),
                Integer.MAX_VALUE);
        return out;
    }

    /**
     * One page of the topic's streams, for the expiry sweep: calls {@code each} for up to about {@code count}
     * streams and returns the cursor of the next page ("0" once the pass is complete).
     */
    public String scanStreams(TopicKeys keys, String cursor, int count, BiConsumer<byte[], byte[]> each) {
        Response r = send(Request.cmd(Command.HSCAN).arg(keys.streams()).arg(cursor).arg("COUNT").arg(count));
        Response items = r.get(1);
        for (int i = 0; i + 1 < items.size(); i += 2) {
            each.accept(items.get(i).toBytes(), items.get(i + 1).toBytes());
        }
        return r.get(0).toString();
    }

    /** Producer epochs some of whose streams were expired. */
    public Set<FieldKey> expiredProducerEpochs(TopicKeys keys) {
        Set<FieldKey> out = new HashSet<>();
        scan(keys.expired(), (f, v) -> out.add(new FieldKey(f)), Integer.MAX_VALUE);
        return out;
    }

    /** A text hash field, or null. */
    public String hashGet(String key, String field) {
        Response r = send(Request.cmd(Command.HGET).arg(key).arg(field));
        return r == null ? null : r.toString();
    }

    /** Every field of a text hash. */
    public Map<String, String> hashAll(String key) {
        Map<String, String> out = new LinkedHashMap<>();
        scan(key, (f, v) -> out.put(new String(f, StandardCharsets.UTF_8), new String(v, StandardCharsets.UTF_8)),
                Integer.MAX_VALUE);
        return out;
    }

    /** Sets a hash field only if absent; true if set. */
    public boolean hashPutIfAbsent(String key, String field, String value) {
        return send(Request.cmd(Command.HSETNX).arg(key).arg(field).arg(value)).toLong() == 1L;
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

    /**
     * Takes or renews a lease: true if {@code owner} holds {@code key} for {@code ttl} now. A lease that its
     * holder stopped renewing (it crashed) expires and another instance takes it.
     */
    public boolean lease(String key, String owner, Duration ttl) {
        Response r = send(Request.cmd(Command.EVAL).arg(LEASE).arg(1).arg(key).arg(owner).arg(ttl.toMillis()));
        return r.toLong() == 1L;
    }

    public void release(String key, String owner) {
        send(Request.cmd(Command.EVAL).arg(RELEASE).arg(1).arg(key).arg(owner));
    }

    private static final String LEASE = "local c = redis.call('GET', KEYS[1]) "
            + "if c == false or c == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end "
            + "return 0";
    private static final String RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            + "return redis.call('DEL', KEYS[1]) end return 0";

    /** Number of streams stored for a topic. */
    public long streamCount(TopicKeys keys) {
        return send(Request.cmd(Command.HLEN).arg(keys.streams())).toLong();
    }

    /** Deletes every key of a topic (tests and demo resets). */
    public void deleteTopic(TopicKeys keys) {
        Request req = Request.cmd(Command.DEL);
        keys.checkpointKeys().forEach(req::arg);
        send(req);
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

    private void scan(String key, BiConsumer<byte[], byte[]> each, int limit) {
        String cursor = "0";
        int n = 0;
        do {
            Response r = send(Request.cmd(Command.HSCAN).arg(key).arg(cursor).arg("COUNT").arg(1000));
            cursor = r.get(0).toString();
            Response items = r.get(1);
            for (int i = 0; i + 1 < items.size() && n < limit; i += 2, n++) {
                each.accept(items.get(i).toBytes(), items.get(i + 1).toBytes());
            }
        } while (!"0".equals(cursor) && n < limit);
    }

    private Response send(Request req) {
        try {
            return redis.send(req).await().atMost(timeout);
        } catch (io.smallrye.mutiny.TimeoutException e) {
            throw new StateUnavailableException("Redis did not answer " + req.command() + " within " + timeout, e);
        } catch (RuntimeException e) {
            throw new StateUnavailableException("Redis failed on " + req.command() + ": " + e, e);
        }
    }

    private static String loadScript() {
        try (InputStream in = StateStore.class.getResourceAsStream("checkpoint.lua")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

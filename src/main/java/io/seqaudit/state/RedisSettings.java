package io.seqaudit.state;

import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Locale;

/**
 * The Redis settings the audit state depends on, read from the server: the eviction policy (anything but
 * {@code noeviction} may delete audit state) and whether anything is persisted (without AOF or RDB a restart loses
 * everything). {@code CONFIG GET} first; where {@code CONFIG} is disabled (managed Redis), {@code INFO}. Blocking,
 * bounded by a short timeout; throws {@link StateUnavailableException} when Redis does not answer. On Redis
 * Cluster the client asks one node: set the same on every node.
 */
@ApplicationScoped
public class RedisSettings {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Redis redis;

    public RedisSettings(Redis redis) {
        this.redis = redis;
    }

    /** {@code maxmemory-policy}, lower case (e.g. {@code noeviction}, {@code allkeys-lru}). */
    public String evictionPolicy() {
        try {
            Response r = send(Request.cmd(Command.CONFIG).arg("GET").arg("maxmemory-policy"));
            String v = value(r, "maxmemory-policy");
            if (v != null) {
                return v.toLowerCase(Locale.ROOT);
            }
        } catch (StateUnavailableException e) {
            if (!String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("unknown command")
                    && !String.valueOf(e.getMessage()).contains("CONFIG")) {
                throw e;
            }
        }
        String v = info("memory", "maxmemory_policy");
        return v == null ? "unknown" : v.toLowerCase(Locale.ROOT);
    }

    /** Whether Redis persists anything: AOF on, or RDB save points configured. */
    public boolean persistent() {
        if ("1".equals(info("persistence", "aof_enabled"))) {
            return true;
        }
        try {
            String save = value(send(Request.cmd(Command.CONFIG).arg("GET").arg("save")), "save");
            return save != null && !save.isBlank();
        } catch (StateUnavailableException e) {
            return true; // CONFIG disabled (managed Redis): persistence is the provider's; do not cry wolf
        }
    }

    /** The value of a CONFIG GET reply: a map in RESP3, a [name, value] array in RESP2. */
    private static String value(Response r, String name) {
        if (r == null) {
            return null;
        }
        if (r.getKeys() != null && !r.getKeys().isEmpty()) {
            Response v = r.get(name);
            return v == null ? null : v.toString();
        }
        return r.size() < 2 ? null : r.get(1).toString();
    }

    private String info(String section, String field) {
        String text = send(Request.cmd(Command.INFO).arg(section)).toString();
        for (String line : text.split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        return null;
    }

    private Response send(Request req) {
        try {
            return redis.send(req).await().atMost(TIMEOUT);
        } catch (RuntimeException e) {
            throw new StateUnavailableException("Redis failed on " + req.command() + ": " + e.getMessage(), e);
        }
    }
}

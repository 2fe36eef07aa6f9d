package io.seqaudit.state;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The machine's Redis (127.0.0.1:6379, started by deploy/local/redis.sh) for tests that drive the state layer
 * without Quarkus: one Vert.x and one client per test class, closed after it. Register it with
 * {@code @RegisterExtension static final LocalRedis REDIS = new LocalRedis();} and use {@link #client()} from the
 * tests (and their instance fields: they are made after {@code beforeAll}).
 */
public final class LocalRedis implements BeforeAllCallback, AfterAllCallback {

    private Vertx vertx;
    private Redis client;

    @Override
    public void beforeAll(ExtensionContext context) {
        vertx = Vertx.vertx();
        client = Redis.createClient(vertx, "redis://127.0.0.1:6379");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        client.close();
        vertx.closeAndAwait();
    }

    /** The class's client; only between its {@code beforeAll} and {@code afterAll}. */
    public Redis client() {
        return client;
    }
}

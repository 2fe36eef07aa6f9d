package io.seqaudit.replay;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server on an ephemeral port of 127.0.0.1 playing the application's replay callback: it answers the
 * scripted replies in order (the last one again once the script is used up) and records every request it got.
 */
final class CallbackServer implements AutoCloseable {

    /** One scripted reply; {@code hang} holds the answer back until the server is closed. */
    record Reply(int status, Map<String, String> headers, String body, boolean hang) {

        static Reply json(String body) {
            return new Reply(200, Map.of("Content-Type", "application/json"), body, false);
        }

        static Reply status(int status, String body) {
            return new Reply(status, Map.of(), body, false);
        }

        static Reply status(int status, String body, String retryAfter) {
            return new Reply(status, Map.of("Retry-After", retryAfter), body, false);
        }

        static Reply hanging() {
            return new Reply(200, Map.of(), "{\"records\":[]}", true);
        }
    }

    /** What the server received. */
    record Received(URI uri, String rawPath, String rawQuery, String method, Map<String, List<String>> headers,
            long atNanos) {

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final ConcurrentLinkedQueue<Reply> script = new ConcurrentLinkedQueue<>();
    private volatile Reply last = Reply.status(500, "no reply scripted");
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);

    CallbackServer(Reply... replies) {
        script.addAll(List.of(replies));
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** {@code http://127.0.0.1:<port>} */
    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    private void handle(HttpExchange exchange) throws IOException {
        URI uri = exchange.getRequestURI();
        received.add(new Received(uri, uri.getRawPath(), uri.getRawQuery(), exchange.getRequestMethod(),
                Map.copyOf(exchange.getRequestHeaders()), System.nanoTime()));
        Reply reply = script.poll();
        if (reply == null) {
            reply = last;
        } else {
            last = reply;
        }
        try (exchange) {
            if (reply.hang()) {
                try {
                    closed.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
            reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}

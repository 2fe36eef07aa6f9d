package io.seqaudit.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal blocking Redis client over a plain socket (RESP2), for the benchmark's own probes: reading the
 * auditor's offsets, memory figures, and deleting the benchmark's keys. Kept out of the service's Redis client
 * on purpose: it adds no event loop or thread to the measuring process. Not thread-safe.
 */
final class Resp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Resp(String host, int port) {
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout(30_000);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = new BufferedOutputStream(socket.getOutputStream(), 1 << 14);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to Redis at " + host + ":" + port, e);
        }
    }

    /** Sends one command and returns its reply: String, Long, byte[] (bulk), List (array) or null. */
    Object call(String... args) {
        try {
            out.write(('*' + Integer.toString(args.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (String a : args) {
                byte[] b = a.getBytes(StandardCharsets.UTF_8);
                out.write(('$' + Integer.toString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(b);
                out.write('\r');
                out.write('\n');
            }
            out.flush();
            return read();
        } catch (IOException e) {
            throw new UncheckedIOException("Redis " + args[0] + " failed", e);
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

    private Object read() throws IOException {
        int type = in.read();
        String line = line();
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IllegalStateException("Redis error: " + line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                byte[] b = in.readNBytes(n);
                line(); // CRLF
                return b;
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(read());
                }
                return items;
            }
            case -1:
                throw new EOFException("Redis closed the connection");
            default:
                throw new IOException("unexpected RESP type " + (char) type);
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(32);
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new EOFException("Redis closed the connection");
            }
            b.write(c);
        }
        in.read(); // LF
        return b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }
}

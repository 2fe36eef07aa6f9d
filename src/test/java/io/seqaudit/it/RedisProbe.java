package io.seqaudit.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal Redis client (RESP over one socket) for tests that watch or clean the audit state from outside the
 * auditor process: {@code HGETALL}, {@code DEL}, nothing more. Not thread-safe.
 */
public final class RedisProbe implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RedisProbe(String host, int port) {
        try {
            socket = new Socket(host, port);
            socket.setSoTimeout(10_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Redis at 127.0.0.1:6379, the one the auditor uses by default. */
    public static RedisProbe local() {
        return new RedisProbe("127.0.0.1", 6379);
    }

    /** An integer hash (partition → value), e.g. {@code <prefix>:{<topic>}:offsets}. */
    public Map<Integer, Long> partitionValues(String key) {
        List<?> r = (List<?>) command("HGETALL", key);
        Map<Integer, Long> m = new HashMap<>();
        for (int i = 0; i + 1 < r.size(); i += 2) {
            m.put(Integer.parseInt((String) r.get(i)), Long.parseLong((String) r.get(i + 1)));
        }
        return m;
    }

    public long del(List<String> keys) {
        List<String> args = new ArrayList<>();
        args.add("DEL");
        args.addAll(keys);
        return (Long) command(args.toArray(String[]::new));
    }

    /** Sends one command; answers String (simple or bulk), Long, List, or null. */
    public Object command(String... args) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            for (String a : args) {
                byte[] x = a.getBytes(StandardCharsets.UTF_8);
                b.write(("$" + x.length + "\r\n").getBytes(StandardCharsets.UTF_8));
                b.write(x);
                b.write("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            out.write(b.toByteArray());
            out.flush();
            return read();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Object read() throws IOException {
        int type = in.read();
        String line = line();
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IllegalStateException("Redis: " + line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(n + 2);
                return new String(data, 0, n, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(read());
                }
                return list;
            }
            default:
                throw new IllegalStateException("Unexpected RESP type " + type);
        }
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            sb.append((char) c);
        }
        in.read(); // '\n'
        return sb.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // ignore
        }
    }
}

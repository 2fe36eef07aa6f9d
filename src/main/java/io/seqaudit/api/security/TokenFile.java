package io.seqaudit.api.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The static bearer tokens, kept as SHA-256 hashes in a file (a mounted Secret), one per line:
 *
 * <pre>
 * # comment
 * viewer:&lt;sha256-hex of the token&gt;:grafana
 * operator:&lt;sha256-hex&gt;:oncall-2025-06
 * </pre>
 *
 * The name (letters, digits, {@code . _ @ -}, at most 64) is who the caller is in the logs; without one it is
 * {@code <role>-<first 8 hex digits of the hash>}. A line that does not parse is skipped with a warning naming
 * its number (never its content). The file is re-read when its modification time, size or file key (inode)
 * changed: one {@code stat} per check, so Kubernetes' in-place Secret updates (a symlink swap) and a plain
 * rewrite are both seen on the next request. A file that cannot be read holds no valid token until it can.
 * A presented token is hashed and compared with every hash in constant time ({@link MessageDigest#isEqual}).
 */
public final class TokenFile {

    private static final Logger LOG = Logger.getLogger(TokenFile.class);
    private static final Pattern LINE = Pattern.compile(
            "(?<role>[a-z]+):(?<hash>[0-9a-fA-F]{64})(?::(?<name>[A-Za-z0-9._@-]{1,64}))?");

    /** One valid token: its role, the hash of the token, and the caller's name. */
    public record Entry(String role, byte[] hash, String name) {
    }

    private record Stamp(long modifiedNanos, long size, Object fileKey) {
    }

    private record Snapshot(Stamp stamp, List<Entry> entries) {
    }

    private final Path path;
    private volatile Snapshot current;

    /** Reads the file once; it must be readable now (a typo in the path fails the start, not every request). */
    public TokenFile(Path path) {
        this.path = Objects.requireNonNull(path);
        if (Files.isDirectory(path)) {
            // Reading a directory would load no token and answer 401 to everyone: refuse to start instead.
            throw new IllegalStateException("seqaudit.api.tokens-file " + path + " is a directory; give the file");
        }
        Stamp stamp;
        try {
            stamp = stamp(path);
        } catch (IOException e) {
            throw new IllegalStateException("seqaudit.api.tokens-file " + path + " cannot be read: " + e, e);
        }
        this.current = load(stamp);
    }

    /** The file's path. */
    public Path path() {
        return path;
    }

    /** The tokens valid now, after re-reading the file if it changed. */
    public List<Entry> entries() {
        Snapshot s = current;
        Stamp now;
        try {
            now = stamp(path);
        } catch (IOException e) {
            now = null;
        }
        if (!Objects.equals(now, s.stamp())) {
            s = reload(now);
        }
        return s.entries();
    }

    /**
     * The entry whose hash is the SHA-256 of this token, if any. Every entry is compared, whatever matched, each
     * in constant time.
     */
    public Optional<Entry> match(String token) {
        byte[] presented = sha256(token);
        Entry found = null;
        for (Entry e : entries()) {
            if (MessageDigest.isEqual(e.hash(), presented) && found == null) {
                found = e;
            }
        }
        return Optional.ofNullable(found);
    }

    /** The lowercase hex SHA-256 of the token's UTF-8 bytes: what a line of the file holds. */
    public static String hash(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }

    private synchronized Snapshot reload(Stamp seen) {
        Snapshot s = current;
        if (Objects.equals(seen, s.stamp())) {
            return s; // another thread reloaded meanwhile
        }
        s = load(seen);
        current = s;
        return s;
    }

    private Snapshot load(Stamp stamp) {
        if (stamp == null) {
            LOG.errorf("the tokens file %s cannot be read: no static token is valid until it is back", path);
            return new Snapshot(null, List.of());
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            LOG.errorf("the tokens file %s cannot be read (%s): no static token is valid until it changes", path, e);
            return new Snapshot(stamp, List.of());
        }
        List<Entry> entries = parse(lines, path.toString());
        LOG.infof("the tokens file %s holds %d valid token(s): %s", path, entries.size(),
                entries.stream().map(e -> e.name() + " (" + e.role() + ")").toList());
        return new Snapshot(stamp, List.copyOf(entries));
    }

    /** The valid entries of these lines; a bad line is skipped and named by its number in a warning. */
    static List<Entry> parse(List<String> lines, String source) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches() || !Roles.ALL.contains(m.group("role"))) {
                LOG.warnf("%s line %d skipped: not <viewer|operator>:<64 hex digits>[:<name>]", source, i + 1);
                continue;
            }
            String hex = m.group("hash").toLowerCase();
            String name = m.group("name") != null ? m.group("name") : m.group("role") + "-" + hex.substring(0, 8);
            out.add(new Entry(m.group("role"), HexFormat.of().parseHex(hex), name));
        }
        return out;
    }

    private static Stamp stamp(Path path) throws IOException {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        return new Stamp(a.lastModifiedTime().toInstant().getEpochSecond() * 1_000_000_000L
                + a.lastModifiedTime().toInstant().getNano(), a.size(), a.fileKey());
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

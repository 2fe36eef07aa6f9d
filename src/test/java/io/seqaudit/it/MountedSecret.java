package io.seqaudit.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Secret volume as Kubernetes mounts and updates it: {@code <dir>/<file>} is a symlink to
 * {@code ..data/<file>}, {@code ..data} a symlink to a versioned folder; an update writes a new folder and swaps
 * {@code ..data} atomically, so the file's path stays the same while its target changes.
 */
final class MountedSecret {

    private static final AtomicInteger VERSION = new AtomicInteger();

    private MountedSecret() {
    }

    /** Publishes these lines as {@code dir/file}, creating the layout on first use; returns the file's path. */
    static Path publish(Path dir, String file, List<String> lines) {
        try {
            Files.createDirectories(dir);
            String version = "..v" + System.nanoTime() + "-" + VERSION.incrementAndGet();
            Files.createDirectory(dir.resolve(version));
            Files.write(dir.resolve(version).resolve(file), lines, StandardCharsets.UTF_8);
            Path tmp = dir.resolve("..data_tmp");
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, Path.of(version));
            Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Path link = dir.resolve(file);
            if (!Files.isSymbolicLink(link)) {
                Files.createSymbolicLink(link, Path.of("..data").resolve(file));
            }
            return link.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

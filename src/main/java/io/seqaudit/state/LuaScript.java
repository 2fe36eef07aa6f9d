package io.seqaudit.state;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script of the state layer, with its SHA-1 computed here: {@code EVALSHA} needs no {@code SCRIPT LOAD}
 * first, which on Redis Cluster would reach one node only; a node that answers {@code NOSCRIPT} gets one
 * {@code EVAL} of the text, which caches it there. Immutable.
 *
 * @param text the script
 * @param sha its SHA-1, lower-case hex
 */
record LuaScript(String text, String sha) {

    static LuaScript load(String resource) {
        try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            byte[] sha = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            return new LuaScript(text, HexFormat.of().formatHex(sha));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

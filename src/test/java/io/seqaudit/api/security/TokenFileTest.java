package io.seqaudit.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {

    @TempDir
    Path dir;

    @Test
    void matchesTokensByTheirHashAndNamesTheCaller() throws IOException {
        Path f = write("""
                # rotation: both valid until Friday
                viewer:%s:grafana
                  operator:%s:oncall
                viewer:%s
                """.formatted(TokenFile.hash("t1"), TokenFile.hash("t2").toUpperCase(), TokenFile.hash("t3")));
        TokenFile tokens = new TokenFile(f);
        assertThat(tokens.match("t1")).hasValueSatisfying(e -> {
            assertThat(e.role()).isEqualTo("viewer");
            assertThat(e.name()).isEqualTo("grafana");
        });
        assertThat(tokens.match("t2").map(TokenFile.Entry::role)).contains("operator");
        assertThat(tokens.match("t3").map(TokenFile.Entry::name)).contains("viewer-" + TokenFile.hash("t3").substring(0, 8));
        assertThat(tokens.match("t4")).isEmpty();
        assertThat(tokens.match("")).isEmpty();
        // The hash itself is not a token.
        assertThat(tokens.match(TokenFile.hash("t1"))).isEmpty();
    }

    @Test
    void hashIsTheSha256HexOfTheTokenAsSha256sumPrintsIt() {
        // printf %s secret | sha256sum
        assertThat(TokenFile.hash("secret"))
                .isEqualTo("2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b");
    }

    @Test
    void skipsLinesThatDoNotParseAndKeepsTheOthers() {
        String h = TokenFile.hash("t");
        List<TokenFile.Entry> entries = TokenFile.parse(List.of(
                "admin:" + h,                   // unknown role
                "viewer:" + h.substring(1),     // 63 hex digits
                "viewer:" + h + ":",            // empty name
                "viewer:" + h + ":bad name",    // space in the name
                "viewer:" + h + ":a:b",         // a colon in the name
                "viewer " + h,                  // no colon
                "#viewer:" + h,                 // a comment
                "operator:" + h + ":ok"), "test");
        assertThat(entries).extracting(TokenFile.Entry::name).containsExactly("ok");
    }

    @Test
    void rereadsTheFileWhenItChanges() throws IOException {
        Path f = write("viewer:" + TokenFile.hash("old") + ":old\n");
        TokenFile tokens = new TokenFile(f);
        assertThat(tokens.match("old")).isPresent();

        // Same size, other content: the modification time tells.
        Files.writeString(f, "viewer:" + TokenFile.hash("new") + ":new\n");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(tokens.match("new")).isPresent();
        assertThat(tokens.match("old")).isEmpty();
    }

    @Test
    void aFileThatDisappearsHoldsNoValidTokenUntilItIsBack() throws IOException {
        Path f = write("viewer:" + TokenFile.hash("t") + "\n");
        TokenFile tokens = new TokenFile(f);
        Files.delete(f);
        assertThat(tokens.match("t")).isEmpty();
        write("viewer:" + TokenFile.hash("t") + "\n");
        assertThat(tokens.match("t")).isPresent();
    }

    @Test
    void aMissingFileAtStartFailsTheStart() {
        assertThatThrownBy(() -> new TokenFile(dir.resolve("nope"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("seqaudit.api.tokens-file");
    }

    private Path write(String text) throws IOException {
        return Files.writeString(dir.resolve("tokens"), text);
    }

    @Test
    void aDirectoryAsTheTokensFileIsRefusedNamingTheSetting(@TempDir Path dir) {
        assertThatThrownBy(() -> new TokenFile(dir)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("seqaudit.api.tokens-file").hasMessageContaining("directory");
    }
}

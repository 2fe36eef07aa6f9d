package io.seqaudit.it;

import static io.restassured.RestAssured.given;
import static io.seqaudit.it.ApiAuth.OPERATOR_TOKEN;
import static io.seqaudit.it.ApiAuth.VIEWER_TOKEN;
import static io.seqaudit.it.ApiAuth.asOperator;
import static io.seqaudit.it.ApiAuth.asViewer;
import static io.seqaudit.it.ApiAuth.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.smallrye.jwt.build.Jwt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The security of /api/v1 on the real service: static tokens from a mounted Secret (rotated in place), JWTs
 * verified with a key pair made here, roles (viewer reads, operator replays), 401/403 as JSON, open health and
 * metrics, and the replay rate limit. The operator-only endpoints are the test-only
 * {@code io.seqaudit.api.TestOnlyReplayResource}, declared like the real replay API.
 */
@QuarkusTest
@TestProfile(ApiSecurityTest.Profile.class)
class ApiSecurityTest {

    static final Path DIR = Path.of("target", "api-security").toAbsolutePath();
    static final Path SECRET = DIR.resolve("secret");
    static final String TOPIC = "security-test";
    static final String ROTATED_OLD = "rotation-old-token";
    static final String ROTATED_NEW = "rotation-new-token";
    static final String UNNAMED = "unnamed-viewer-token";
    static final int BURST = 3;

    /** Audit off (the API reads Redis only), a slow replay budget, and the fixtures below. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("seqaudit.topics", TOPIC, "seqaudit.audit.enabled", "false",
                    "seqaudit.state.prefix", "seqaudit-security-test",
                    "seqaudit.api.replay-rate", "0.05", "seqaudit.api.replay-burst", String.valueOf(BURST));
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Fixtures.class));
        }
    }

    /** Publishes the tokens Secret and makes the JWT key pair before the service starts. */
    public static class Fixtures implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            try {
                if (Files.exists(DIR)) {
                    try (Stream<Path> all = Files.walk(DIR)) {
                        all.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
                    }
                }
                Files.createDirectories(DIR);
                KeyPair keys = rsa();
                Files.writeString(DIR.resolve("jwt-public.pem"), "-----BEGIN PUBLIC KEY-----\n"
                        + Base64.getMimeEncoder().encodeToString(keys.getPublic().getEncoded())
                        + "\n-----END PUBLIC KEY-----\n");
                Files.write(DIR.resolve("jwt-private.pk8"), keys.getPrivate().getEncoded());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path tokens = MountedSecret.publish(SECRET, "tokens", tokenLines(ROTATED_OLD));
            return Map.of("seqaudit.api.tokens-file", tokens.toString(),
                    "mp.jwt.verify.publickey.location", DIR.resolve("jwt-public.pem").toString(),
                    "mp.jwt.verify.issuer", "seqaudit-test");
        }

        @Override
        public void stop() {
        }
    }

    @Test
    void requestWithoutTokenGets401WithBearerChallengeAndJsonBody() {
        Response r = given().get("/api/v1/summary");
        assertUnauthorized(r);
        assertThat(r.jsonPath().getString("field")).isEqualTo("Authorization");
        assertThat(r.jsonPath().getString("error")).contains("authentication required");
    }

    @Test
    void unknownTokenGets401() {
        Response r = bearer("not-a-known-token").get("/api/v1/summary");
        assertUnauthorized(r);
        assertThat(r.getHeader("WWW-Authenticate")).contains("invalid_token");
        assertUnauthorized(bearer(VIEWER_TOKEN + "x").get("/api/v1/summary"));
    }

    @Test
    void malformedAuthorizationHeaderGets401() {
        for (String header : List.of("Basic dGVzdDp0ZXN0", "Bearer", "Bearer ", "Bearer a b", VIEWER_TOKEN,
                "Bearer " + VIEWER_TOKEN + " extra", "Token " + VIEWER_TOKEN)) {
            assertUnauthorized(given().header("Authorization", header).get("/api/v1/summary"));
        }
    }

    @Test
    void viewerReadsEveryEndpointButIsForbiddenTheOperatorOnes() {
        asViewer().get("/api/v1/summary").then().statusCode(200);
        asViewer().queryParam("topic", TOPIC).get("/api/v1/gaps").then().statusCode(200);
        asViewer().queryParam("topic", TOPIC).queryParam("key", "k").get("/api/v1/streams").then().statusCode(200);
        asViewer().queryParam("topic", TOPIC).get("/api/v1/duplicates").then().statusCode(200);

        Response read = asViewer().get("/api/v1/test-only/operator-only");
        assertForbidden(read);
        Response post = asViewer().contentType("application/json").body("{}").post("/api/v1/test-only/replays");
        assertForbidden(post);

        // The real replay API: a viewer follows replays but may not ask for one; nobody without a token may.
        asViewer().get("/api/v1/replays").then().statusCode(200);
        assertForbidden(asViewer().contentType("application/json").body("{}").post("/api/v1/replays"));
        assertUnauthorized(given().contentType("application/json").body("{}").post("/api/v1/replays"));
        assertUnauthorized(given().get("/api/v1/replays"));
    }

    @Test
    void operatorMayReadTooAndUseOperatorEndpoints() {
        asOperator().get("/api/v1/summary").then().statusCode(200);
        Response r = asOperator().get("/api/v1/test-only/operator-only");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.jsonPath().getString("name")).isEqualTo("test-operator");
        assertThat(r.jsonPath().getList("roles")).containsExactly("operator", "viewer");
    }

    @Test
    void authenticatedNameIsTheNameOnTheTokensLine() {
        assertThat(asViewer().get("/api/v1/test-only/whoami").jsonPath().getString("name")).isEqualTo("test-viewer");
        assertThat(asViewer().get("/api/v1/test-only/whoami").jsonPath().getList("roles")).containsExactly("viewer");
        // A line without a name: the role and the start of the hash, never the token.
        assertThat(bearer(UNNAMED).get("/api/v1/test-only/whoami").jsonPath().getString("name"))
                .isEqualTo("viewer-" + sha256(UNNAMED).substring(0, 8));
    }

    @Test
    void rotatingTheMountedSecretAcceptsTheNewTokenThenRejectsTheOldOne() {
        bearer(ROTATED_OLD).get("/api/v1/summary").then().statusCode(200);
        assertUnauthorized(bearer(ROTATED_NEW).get("/api/v1/summary"));

        // Rotation, step 1: both valid at once.
        MountedSecret.publish(SECRET, "tokens", tokenLines(ROTATED_OLD, ROTATED_NEW));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                bearer(ROTATED_NEW).get("/api/v1/summary").statusCode()).isEqualTo(200));
        bearer(ROTATED_OLD).get("/api/v1/summary").then().statusCode(200);

        // Step 2: the old one removed.
        MountedSecret.publish(SECRET, "tokens", tokenLines(ROTATED_NEW));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertUnauthorized(
                bearer(ROTATED_OLD).get("/api/v1/summary")));
        bearer(ROTATED_NEW).get("/api/v1/summary").then().statusCode(200);
        asViewer().get("/api/v1/summary").then().statusCode(200);
    }

    @Test
    void healthMetricsAndOpenApiStayOpenEvenWithABadToken() {
        for (String path : List.of("/q/health/live", "/q/health/ready", "/q/metrics", "/q/openapi")) {
            given().get(path).then().statusCode(200);
            bearer("not-a-known-token").get(path).then().statusCode(200);
        }
    }

    @Test
    void jwtWithTheOperatorGroupMayReadAndUseOperatorEndpoints() {
        String jwt = Jwt.issuer("seqaudit-test").upn("alice").groups(Set.of("operator"))
                .expiresIn(Duration.ofMinutes(5)).sign(privateKey());
        Response r = bearer(jwt).get("/api/v1/test-only/operator-only");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.jsonPath().getString("name")).isEqualTo("alice");
        bearer(jwt).get("/api/v1/summary").then().statusCode(200);
    }

    @Test
    void jwtWithTheViewerGroupReadsButIsForbiddenOperatorEndpoints() {
        String jwt = Jwt.issuer("seqaudit-test").upn("bob").groups(Set.of("viewer"))
                .expiresIn(Duration.ofMinutes(5)).sign(privateKey());
        bearer(jwt).get("/api/v1/summary").then().statusCode(200);
        assertForbidden(bearer(jwt).get("/api/v1/test-only/operator-only"));
    }

    @Test
    void jwtSignedWithAnotherKeyOrExpiredOrFromAnotherIssuerGets401() {
        String forged = Jwt.issuer("seqaudit-test").upn("mallory").groups(Set.of("operator"))
                .expiresIn(Duration.ofMinutes(5)).sign(rsa().getPrivate());
        assertUnauthorized(bearer(forged).get("/api/v1/summary"));
        String expired = Jwt.issuer("seqaudit-test").upn("alice").groups(Set.of("operator"))
                .issuedAt(Instant.now().minusSeconds(7200)).expiresAt(Instant.now().minusSeconds(3600))
                .sign(privateKey());
        assertUnauthorized(bearer(expired).get("/api/v1/summary"));
        String otherIssuer = Jwt.issuer("someone-else").upn("alice").groups(Set.of("operator"))
                .expiresIn(Duration.ofMinutes(5)).sign(privateKey());
        assertUnauthorized(bearer(otherIssuer).get("/api/v1/summary"));
    }

    @Test
    void replayRequestsBeyondTheRateGet429WithRetryAfterAndNoSideEffect() {
        int before = accepted();
        // Refused requests never use the budget.
        for (int i = 0; i < BURST + 2; i++) {
            assertForbidden(asViewer().contentType("application/json").body("{}").post("/api/v1/test-only/replays"));
            assertUnauthorized(given().contentType("application/json").body("{}").post("/api/v1/test-only/replays"));
        }
        assertThat(accepted()).isEqualTo(before);

        List<Integer> statuses = new ArrayList<>();
        Response rejected = null;
        for (int i = 0; i < BURST + 1; i++) {
            Response r = asOperator().contentType("application/json").body("{}").post("/api/v1/test-only/replays");
            statuses.add(r.statusCode());
            rejected = r;
        }
        List<Integer> expected = new ArrayList<>(Collections.nCopies(BURST, 202));
        expected.add(429); // the burst is spent; at 0.05 per second no permit comes back within the loop
        assertThat(statuses).containsExactlyElementsOf(expected);
        assertThat(rejected.contentType()).startsWith("application/json");
        assertThat(rejected.jsonPath().getString("error")).contains("too many requests");
        // 0.05 per second: the next permit is at most 20 s away.
        assertThat(Long.parseLong(rejected.getHeader("Retry-After"))).isBetween(1L, 20L);
        assertThat(accepted()).isEqualTo(before + BURST);

        // Still limited, and the role check still comes first.
        assertThat(asOperator().contentType("application/json").body("{}").post("/api/v1/test-only/replays")
                .statusCode()).isEqualTo(429);
        assertForbidden(asViewer().contentType("application/json").body("{}").post("/api/v1/test-only/replays"));
        assertThat(accepted()).isEqualTo(before + BURST);
    }

    private static int accepted() {
        return asViewer().get("/api/v1/test-only/replays/accepted").then().statusCode(200).extract().jsonPath()
                .getInt("accepted");
    }

    private static void assertUnauthorized(Response r) {
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.getHeader("WWW-Authenticate")).startsWith("Bearer");
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.jsonPath().getString("error")).isNotBlank();
    }

    private static void assertForbidden(Response r) {
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.jsonPath().getString("error")).contains("role");
    }

    /** The test tokens (viewer, operator), an unnamed viewer line, and these rotation tokens (viewer). */
    static List<String> tokenLines(String... rotation) {
        List<String> lines = new ArrayList<>(List.of("# role:sha256-hex[:name]",
                "viewer:" + sha256(VIEWER_TOKEN) + ":test-viewer",
                "operator:" + sha256(OPERATOR_TOKEN).toUpperCase() + ":test-operator",
                "", "viewer:" + sha256(UNNAMED)));
        for (String t : rotation) {
            lines.add("viewer:" + sha256(t) + ":" + t.replace("-token", ""));
        }
        return lines;
    }

    static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static PrivateKey privateKey() {
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(
                    new PKCS8EncodedKeySpec(Files.readAllBytes(DIR.resolve("jwt-private.pk8"))));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

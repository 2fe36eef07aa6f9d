package io.seqaudit.it;

import static io.restassured.RestAssured.given;

import io.restassured.specification.RequestSpecification;

/**
 * How the tests call {@code /api/v1}: with the bearer tokens whose hashes are in {@code src/test/resources/test-tokens}
 * (the {@code %test} profile's {@code seqaudit.api.tokens-file}). Health and metrics need no token: tests call
 * them with plain {@code given()}.
 */
public final class ApiAuth {

    /** Role viewer, named {@code test-viewer}. */
    public static final String VIEWER_TOKEN = "test-viewer-token";
    /** Role operator, named {@code test-operator}. */
    public static final String OPERATOR_TOKEN = "test-operator-token";

    private ApiAuth() {
    }

    /** A request as a viewer: every read of the API. */
    public static RequestSpecification asViewer() {
        return bearer(VIEWER_TOKEN);
    }

    /** A request as an operator. */
    public static RequestSpecification asOperator() {
        return bearer(OPERATOR_TOKEN);
    }

    /** A request with {@code Authorization: Bearer <token>}. */
    public static RequestSpecification bearer(String token) {
        return given().header("Authorization", "Bearer " + token);
    }
}

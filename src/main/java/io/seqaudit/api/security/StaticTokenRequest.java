package io.seqaudit.api.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A bearer token presented to the API, to be checked against the tokens file. */
public final class StaticTokenRequest extends BaseAuthenticationRequest {

    private final String token;

    public StaticTokenRequest(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }

    @Override
    public String toString() {
        return "StaticTokenRequest[token hidden]";
    }
}

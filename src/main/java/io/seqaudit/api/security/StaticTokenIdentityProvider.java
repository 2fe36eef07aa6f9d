package io.seqaudit.api.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Turns a bearer token into an identity when its SHA-256 is in the tokens file: the line's name is the
 * principal, its role the role. Anything else fails with {@link AuthenticationFailedException}.
 */
@ApplicationScoped
public class StaticTokenIdentityProvider implements IdentityProvider<StaticTokenRequest> {

    /**
     * The identity attribute naming how the caller authenticated: {@code token} (the tokens file) or {@code none}
     * ({@code seqaudit.api.auth-enabled=false}); a JWT identity does not carry it.
     */
    public static final String METHOD = "seqaudit.auth";

    private final ApiCredentials credentials;

    public StaticTokenIdentityProvider(ApiCredentials credentials) {
        this.credentials = credentials;
    }

    @Override
    public Class<StaticTokenRequest> getRequestType() {
        return StaticTokenRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(StaticTokenRequest request, AuthenticationRequestContext context) {
        if (credentials.tokens().isEmpty()) {
            return Uni.createFrom().failure(new AuthenticationFailedException("no static tokens configured"));
        }
        // A stat per request, and a small read when the file changed: off the event loop.
        return context.runBlocking(() -> credentials.tokens().get().match(request.token())
                .map(e -> (SecurityIdentity) QuarkusSecurityIdentity.builder()
                        .setPrincipal(new QuarkusPrincipal(e.name())).addRole(e.role())
                        .addAttribute(METHOD, "token").build())
                .orElseThrow(() -> new AuthenticationFailedException("unknown bearer token")));
    }
}

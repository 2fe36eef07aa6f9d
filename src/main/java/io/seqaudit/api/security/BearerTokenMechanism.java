package io.seqaudit.api.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code Authorization: Bearer <token>} and checks the token against the tokens file. It runs before
 * smallrye-jwt's mechanism (higher priority), so a token that matches a static hash wins; one that does not is
 * left to the JWT mechanism when the JWT option is on, and rejected (401) otherwise. No header: no identity
 * (anonymous, so {@code @RolesAllowed} answers 401). A header that is not {@code Bearer <token>}: 401.
 * With {@code seqaudit.api.auth-enabled=false} every request is an operator named {@code auth-disabled}.
 */
@ApplicationScoped
public class BearerTokenMechanism implements HttpAuthenticationMechanism {

    /** Runs before smallrye-jwt's mechanism ({@link HttpAuthenticationMechanism#DEFAULT_PRIORITY}). */
    static final int PRIORITY = DEFAULT_PRIORITY + 100;
    /** RFC 6750 b64token. */
    private static final Pattern BEARER = Pattern.compile("Bearer +([A-Za-z0-9._~+/-]+=*) *",
            Pattern.CASE_INSENSITIVE);
    private static final SecurityIdentity AUTH_DISABLED = QuarkusSecurityIdentity.builder()
            .setPrincipal(new QuarkusPrincipal("auth-disabled")).addRoles(Roles.ALL)
            .addAttribute(StaticTokenIdentityProvider.METHOD, "none").build();

    private final ApiCredentials credentials;

    public BearerTokenMechanism(ApiCredentials credentials) {
        this.credentials = credentials;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        if (!credentials.enabled()) {
            return Uni.createFrom().item(AUTH_DISABLED);
        }
        String header = context.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            return Uni.createFrom().nullItem();
        }
        var m = BEARER.matcher(header);
        if (!m.matches()) {
            return Uni.createFrom().failure(new AuthenticationFailedException(
                    "the Authorization header is not 'Bearer <token>'"));
        }
        Uni<SecurityIdentity> identity = identities.authenticate(
                HttpSecurityUtils.setRoutingContextAttribute(new StaticTokenRequest(m.group(1)), context));
        if (credentials.jwt()) {
            // Not a static token: smallrye-jwt's mechanism, next in line, verifies it as a JWT.
            identity = identity.onFailure(AuthenticationFailedException.class).recoverWithNull();
        }
        return identity;
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer realm=\"seqaudit\""));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(StaticTokenRequest.class);
    }

    @Override
    public int getPriority() {
        return PRIORITY;
    }
}

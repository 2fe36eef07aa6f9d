package io.seqaudit.api.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.seqaudit.api.ApiError;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.jboss.logging.Logger;

/**
 * 401 and 403 of the API as JSON {@link ApiError}s. Authentication is lazy ({@code quarkus.http.auth.proactive=false}),
 * so it happens inside the REST layer, when {@code @RolesAllowed} asks for the identity, and its failures
 * reach these mappers. Every 401 carries {@code WWW-Authenticate: Bearer}.
 */
public final class SecurityErrorMappers {

    private static final Logger LOG = Logger.getLogger(SecurityErrorMappers.class);
    private static final String FIELD = "Authorization";

    private SecurityErrorMappers() {
    }

    static Response unauthorized(String challenge, String error) {
        return Response.status(Response.Status.UNAUTHORIZED).header(HttpHeaders.WWW_AUTHENTICATE, challenge)
                .type(MediaType.APPLICATION_JSON).entity(new ApiError(FIELD, error)).build();
    }

    /** No credentials on an endpoint that needs a role. */
    @Provider
    public static class Missing implements ExceptionMapper<UnauthorizedException> {
        @Override
        public Response toResponse(UnauthorizedException e) {
            return unauthorized("Bearer realm=\"seqaudit\"", "authentication required: Authorization: Bearer <token>");
        }
    }

    /** Credentials that are malformed, unknown, expired or badly signed. */
    @Provider
    public static class Invalid implements ExceptionMapper<AuthenticationFailedException> {
        @Override
        public Response toResponse(AuthenticationFailedException e) {
            LOG.debugf("authentication failed: %s", e.getMessage());
            return unauthorized("Bearer realm=\"seqaudit\", error=\"invalid_token\"",
                    "the bearer token is not valid");
        }
    }

    /** Authenticated, but without the role the endpoint needs. */
    @Provider
    public static class Forbidden implements ExceptionMapper<ForbiddenException> {
        @Override
        public Response toResponse(ForbiddenException e) {
            return Response.status(Response.Status.FORBIDDEN).type(MediaType.APPLICATION_JSON)
                    .entity(new ApiError(null, "this needs another role (reads: viewer, replays: operator)")).build();
        }
    }
}

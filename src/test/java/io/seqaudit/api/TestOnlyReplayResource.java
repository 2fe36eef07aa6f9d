package io.seqaudit.api;

import io.quarkus.security.identity.SecurityIdentity;
import io.seqaudit.api.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test only (src/test): endpoints declared the way the replay API declares its own, so ApiSecurityTest can prove
 * the roles and the rate limit without the real replay resource. Deployed with every @QuarkusTest application.
 */
@Path("/api/v1/test-only")
@Produces(MediaType.APPLICATION_JSON)
public class TestOnlyReplayResource {

    private static final AtomicInteger ACCEPTED = new AtomicInteger();

    @Inject
    SecurityIdentity identity;

    /** Like {@code POST /api/v1/replays}: operator only, rate limited; counts what it accepted. */
    @POST
    @Path("/replays")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.OPERATOR)
    @RateLimited
    public Response replay(Map<String, Object> body) {
        int id = ACCEPTED.incrementAndGet();
        return Response.accepted(Map.of("id", id, "by", identity.getPrincipal().getName())).build();
    }

    /** How many replay requests were accepted so far. */
    @GET
    @Path("/replays/accepted")
    @RolesAllowed(Roles.VIEWER)
    public Map<String, Integer> accepted() {
        return Map.of("accepted", ACCEPTED.get());
    }

    /** An operator-only read (not rate limited). */
    @GET
    @Path("/operator-only")
    @RolesAllowed(Roles.OPERATOR)
    public Map<String, Object> operatorOnly() {
        return whoami();
    }

    /** Who the caller is: the principal's name (the token's name) and roles. */
    @GET
    @Path("/whoami")
    @RolesAllowed(Roles.VIEWER)
    public Map<String, Object> whoami() {
        return Map.of("name", identity.getPrincipal().getName(), "roles", new TreeSet<>(identity.getRoles()));
    }
}

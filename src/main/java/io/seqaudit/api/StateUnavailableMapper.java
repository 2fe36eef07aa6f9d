package io.seqaudit.api;

import io.seqaudit.state.StateUnavailableException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Redis does not answer: 503 with a JSON reason and {@code Retry-After}, never a stack trace. */
@Provider
public class StateUnavailableMapper implements ExceptionMapper<StateUnavailableException> {

    @Override
    public Response toResponse(StateUnavailableException e) {
        return Response.status(Response.Status.SERVICE_UNAVAILABLE).type(MediaType.APPLICATION_JSON)
                .header("Retry-After", "5").entity(new ApiError(null, "audit state unavailable: " + e.getMessage()))
                .build();
    }
}

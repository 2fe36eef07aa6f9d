package io.seqaudit.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.Comparator;
import java.util.stream.Collectors;

/**
 * Turns the framework's input errors into the API's 400 body, {@link ApiError} {@code {field, error}}: Bean
 * Validation violations on request bodies and parameters, and Jackson's errors for bodies that are not JSON, not an
 * object, or hold a value of the wrong type or out of range (a seq over 2^63-1). Without these, Quarkus answers
 * its own report or an empty 400. Runs on the request's thread; never fails.
 */
public final class ValidationErrorMappers {

    private ValidationErrorMappers() {
    }

    /** A constraint on a request record or parameter failed: 400 naming the first field (by name, stable). */
    @Provider
    public static class Violations implements ExceptionMapper<ConstraintViolationException> {
        @Override
        public Response toResponse(ConstraintViolationException e) {
            ConstraintViolation<?> first = e.getConstraintViolations().stream()
                    .min(Comparator.comparing(v -> field(v.getPropertyPath()))).orElse(null);
            if (first == null) {
                return badRequest(null, e.getMessage());
            }
            return badRequest(field(first.getPropertyPath()), first.getMessage());
        }

        /** The last node of {@code request.arg0.toSeq}: the name a client sent. */
        private static String field(Path path) {
            String last = null;
            for (Path.Node n : path) {
                last = n.getName();
            }
            return last;
        }
    }

    /**
     * A body of the wrong shape ({@code []}, {@code "epoch":"abc"}): Quarkus REST hands Jackson's exception to the
     * mappers, and this one replaces its built-in (which answers another body).
     */
    @Provider
    public static class Mismatched implements ExceptionMapper<MismatchedInputException> {
        @Override
        public Response toResponse(MismatchedInputException e) {
            return json(e);
        }
    }

    /**
     * A body that is not JSON, or a number out of range: Quarkus REST wraps these in a bare 400
     * {@link WebApplicationException}; unwrapped here. Any other such exception keeps its own answer.
     */
    @Provider
    public static class Unreadable implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            if (e.getResponse().getStatus() == Response.Status.BAD_REQUEST.getStatusCode()
                    && e.getCause() instanceof JsonProcessingException j) {
                return json(j);
            }
            return e.getResponse();
        }
    }

    /** A body Jackson could not read: 400 naming the JSON path at fault, or {@code body} when it is not JSON. */
    static Response json(JsonProcessingException e) {
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
                String field = m.getPath().stream()
                        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                        .collect(Collectors.joining("."));
                return badRequest(field, field + " has a value of the wrong type or out of range");
            }
        if (e instanceof JsonMappingException) {
            return badRequest("body", "the body must be a JSON object");
        }
        // A number out of range fails in the parser, before data binding has a path: the parser knows the field.
        JsonParser p = e instanceof InputCoercionException c ? c.getProcessor() : null;
        if (p != null && p.getParsingContext().getCurrentName() != null) {
            String field = p.getParsingContext().getCurrentName();
            return badRequest(field, field + " is out of range (at most 9223372036854775807)");
        }
        return badRequest("body", "the body is not valid JSON");
    }

    static Response badRequest(String field, String error) {
        return Response.status(Response.Status.BAD_REQUEST).type(MediaType.APPLICATION_JSON)
                .entity(new ApiError(field, error)).build();
    }
}

package io.seqaudit.api;

import io.seqaudit.api.security.Roles;
import io.seqaudit.config.SeqauditConfig;
import io.seqaudit.sequence.LossStage;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The read API: totals, gaps, streams and duplicates. A thin adapter over {@link AuditReader}: it checks and
 * clamps the parameters (400 naming the field when one is wrong) and nothing more. Blocking, on worker threads.
 * Every read needs the {@code viewer} role (an operator has it too).
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.VIEWER)
@APIResponse(responseCode = "400", description = "A parameter is wrong: the body names it",
        content = @Content(schema = @Schema(implementation = ApiError.class)))
@APIResponse(responseCode = "503", description = "Redis (the audit state) is unavailable",
        content = @Content(schema = @Schema(implementation = ApiError.class)))
public class AuditResource {

    private final AuditReader reader;
    private final SeqauditConfig config;

    public AuditResource(AuditReader reader, SeqauditConfig config) {
        this.reader = reader;
        this.config = config;
    }

    @GET
    @Path("/summary")
    @APIResponse(responseCode = "200", description = "Totals, overall and per topic")
    public SummaryView summary() {
        return reader.summary();
    }

    @GET
    @Path("/gaps")
    @APIResponse(responseCode = "200", description = "One page of gaps, in id order (the consumer stage's findings "
            + "after the streams' gaps)")
    public Page<GapView> gaps(@QueryParam("topic") @Parameter(required = true) String topic,
            @QueryParam("state") @Parameter(schema = @Schema(implementation = GapView.State.class)) String state,
            @QueryParam("stage") @Parameter(schema = @Schema(enumeration = { "unknown", "producer", "broker",
                    "consumer" })) String stage,
            @QueryParam("cursor") @Parameter(description = "The next of the page before") String cursor,
            @QueryParam("limit") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "1000", defaultValue = "100")) String limit) {
        return reader.gaps(topic(topic), state(state), stage(stage), cursor, limit(limit));
    }

    @GET
    @Path("/streams")
    @APIResponse(responseCode = "200", description = "Every stream of the key, one per producer epoch")
    public List<StreamView> streams(@QueryParam("topic") String topic, @QueryParam("key") String key,
            @QueryParam("keyBase64") String keyBase64, @QueryParam("nullKey") boolean nullKey) {
        String t = topic(topic);
        int given = (key != null ? 1 : 0) + (keyBase64 != null ? 1 : 0) + (nullKey ? 1 : 0);
        if (given != 1) {
            throw new BadRequestException("key", "give exactly one of key, keyBase64 or nullKey=true");
        }
        byte[] k = null;
        if (key != null) {
            k = key.getBytes(StandardCharsets.UTF_8);
        } else if (keyBase64 != null) {
            try {
                k = Base64.getDecoder().decode(keyBase64);
            } catch (IllegalArgumentException e) {
                throw new BadRequestException("keyBase64", "keyBase64 is not valid Base64");
            }
        }
        return reader.streams(t, k);
    }

    @GET
    @Path("/duplicates")
    @APIResponse(responseCode = "200", description = "One page of duplicates, newest first")
    public Page<DuplicateView> duplicates(@QueryParam("topic") @Parameter(required = true) String topic,
            @QueryParam("cursor") @Parameter(description = "The next of the page before") String cursor,
            @QueryParam("limit") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "1000", defaultValue = "100")) String limit) {
        return reader.duplicates(topic(topic), cursor, limit(limit));
    }

    private String topic(String topic) {
        if (topic == null || topic.isBlank()) {
            throw new BadRequestException("topic", "topic is required");
        }
        if (!config.topics().contains(topic)) {
            throw new BadRequestException("topic", "topic is not audited: " + topic);
        }
        return topic;
    }

    /**
     * The {@code state} filter, null for none. Taken as text and parsed here: a JAX-RS conversion failure of a query
     * parameter answers 404 with no body, where a bad filter should be a 400 naming it.
     */
    private static GapView.State state(String state) {
        if (state == null) {
            return null;
        }
        return GapView.State.ofTag(state).orElseThrow(() -> new BadRequestException("state",
                "state must be one of " + GapView.State.TAGS + ": " + state));
    }

    /** The {@code stage} filter, null for none; parsed here for the same reason as {@link #state}. */
    private static LossStage stage(String stage) {
        if (stage == null) {
            return null;
        }
        return java.util.Arrays.stream(LossStage.values()).filter(s -> s.tag().equals(stage)).findFirst()
                .orElseThrow(() -> new BadRequestException("stage", "stage must be one of "
                        + java.util.Arrays.stream(LossStage.values()).map(LossStage::tag).toList() + ": " + stage));
    }

    private static int limit(String limit) {
        if (limit == null) {
            return Page.DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(limit);
            if (n < 1 || n > Page.MAX_LIMIT) {
                throw new BadRequestException("limit", "limit must be between 1 and " + Page.MAX_LIMIT);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadRequestException("limit", "limit must be a number");
        }
    }
}

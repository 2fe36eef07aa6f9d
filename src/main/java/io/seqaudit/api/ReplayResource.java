package io.seqaudit.api;

import io.seqaudit.state.GapId;
import io.seqaudit.state.GapRecord;
import io.quarkus.security.identity.SecurityIdentity;
import io.seqaudit.api.security.Roles;
import io.seqaudit.config.SeqauditConfig;
import io.seqaudit.replay.ReplayService;
import io.seqaudit.replay.ReplayStore;
import io.seqaudit.replay.ReplayTarget;
import io.seqaudit.replay.ReplayView;
import io.seqaudit.replay.ReplayWork;
import io.seqaudit.state.StreamRef;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.logging.Logger;

/**
 * Replays: ask for one ({@code POST}, 202), follow it ({@code GET /{id}}), list them a page at a time, cancel a
 * pending or failed one ({@code DELETE /{id}}). Thin: it checks the body
 * (400 naming the field, nothing written) and hands over to {@link ReplayService}. Blocking, worker threads.
 * Reading needs the {@code viewer} role; asking needs {@code operator} and is rate limited ({@link RateLimited}):
 * a 401, 403 or 429 is answered before the body is read.
 */
@Path("/api/v1/replays")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.VIEWER)
public class ReplayResource {

    private static final Logger LOG = Logger.getLogger(ReplayResource.class);

    private final ReplayService service;
    private final ReplayStore replays;
    private final ReplayWork work;
    private final SeqauditConfig config;
    private final SecurityIdentity caller;

    public ReplayResource(ReplayService service, ReplayStore replays, ReplayWork work, SeqauditConfig config,
            SecurityIdentity caller) {
        this.service = service;
        this.replays = replays;
        this.work = work;
        this.config = config;
        this.caller = caller;
    }

    /** The answer to a request: the replay's id, state and where to follow it. */
    public record Accepted(String id, ReplayView.State state, String gapId, Map<String, String> links) {
    }

    @POST
    @RolesAllowed(Roles.OPERATOR)
    @RateLimited
    @APIResponse(responseCode = "202", description = "Accepted (or the same range was asked before: that replay)",
            content = @Content(schema = @Schema(implementation = Accepted.class)))
    @APIResponse(responseCode = "400", description = "A field is wrong or the body is not a JSON object",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "409", description = "No replay source is configured, or the gap is a "
            + "consumer-stage finding (not replayable: the record is in the topic)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "429", description = "Rate limited: retry after the Retry-After header's seconds",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = "Redis (the replay store) is unavailable",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response request(@Valid ReplayRequest body) {
        if (body == null) {
            throw new BadRequestException("body", "a JSON body is required");
        }
        if (body.gapId() != null && body.gapId().contains(".~c.")) {
            // A consumer-stage finding: the record is in the log; republishing it would only add a duplicate.
            return conflict("a consumer-stage finding (stage consumer) cannot be replayed: the record is in the "
                    + "topic, the application's group committed past it without processing it. Reset the group's "
                    + "offset for that partition to the finding's offset (kafka-consumer-groups --reset-offsets), or "
                    + "use the business fallback (README, \"What the auditor does with receipts\")");
        }
        ReplayTarget target = body.gapId() != null ? fromGap(body) : fromRange(body);
        if (tooLarge(target.fromSeq(), target.toSeq(), config.replay().maxRange())) {
            throw new BadRequestException("toSeq", "a replay covers at most " + config.replay().maxRange() + " seqs");
        }
        if (!service.enabled()) {
            return Response.status(Response.Status.CONFLICT).type(MediaType.APPLICATION_JSON)
                    .entity(new ApiError(null, "no replay source is configured (seqaudit.replay.source=none)"))
                    .build();
        }
        ReplayView r = service.request(target, caller.getPrincipal().getName());
        return Response.accepted(accepted(r)).build();
    }

    @GET
    @Path("/{id}")
    public ReplayView get(@PathParam("id") String id) {
        GapId parsed = GapId.parse(id);
        if (parsed == null || !config.topics().contains(parsed.topic())) {
            throw new NotFoundException();
        }
        return replays.get(parsed.topic(), id).orElseThrow(NotFoundException::new);
    }

    /**
     * Replays in id order, a page at a time ({@link Page}). Each call reads the topics' replay hashes whole: a
     * replay is small and finished ones can be deleted, so this stays cheap where gaps would not.
     */
    @GET
    @APIResponse(responseCode = "200", description = "One page; follow next as cursor until it is null")
    @APIResponse(responseCode = "400", description = "A bad state, topic, limit or cursor",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Page<ReplayView> list(
            @QueryParam("state") @Parameter(schema = @Schema(implementation = ReplayView.State.class)) String state,
            @QueryParam("topic") String topic,
            @QueryParam("limit") @DefaultValue("" + Page.DEFAULT_LIMIT)
            @Min(value = 1, message = "limit must be from 1 to " + Page.MAX_LIMIT)
            @Max(value = Page.MAX_LIMIT, message = "limit must be from 1 to " + Page.MAX_LIMIT) int limit,
            @QueryParam("cursor") String cursor) {
        // Taken as text: a JAX-RS conversion failure of a query parameter answers 404 with no body, not a 400.
        ReplayView.State wanted = state == null ? null : ReplayView.State.ofTag(state).orElseThrow(
                () -> new BadRequestException("state", "state must be one of "
                        + Arrays.toString(ReplayView.State.values()) + ": " + state));
        if (topic != null && !config.topics().contains(topic)) {
            throw new BadRequestException("topic", "topic is not audited: " + topic);
        }
        List<ReplayView> out = new ArrayList<>();
        for (String t : topic == null ? config.topics() : List.of(topic)) {
            replays.list(t).stream().filter(r -> wanted == null || r.state() == wanted).forEach(out::add);
        }
        out.sort(Comparator.comparing(ReplayView::id));
        return Page.after(out, ReplayView::id, cursor, limit);
    }

    /**
     * Cancels a replay that is {@code pending} or {@code failed}: it is deleted (204). One that is published,
     * repaired or unrecoverable is kept (409): its outcome is a finding. Operator only.
     */
    @DELETE
    @Path("/{id}")
    @RolesAllowed(Roles.OPERATOR)
    @APIResponse(responseCode = "204", description = "Cancelled and deleted")
    @APIResponse(responseCode = "404", description = "No such replay")
    @APIResponse(responseCode = "409", description = "Not pending or failed (or it changed meanwhile)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response cancel(@PathParam("id") String id) {
        ReplayView r = get(id);
        if (!r.state().cancellable()) {
            return conflict("only a pending or failed replay can be cancelled; this one is " + r.state());
        }
        if (!replays.deleteIfUnchanged(r)) {
            return conflict("the replay changed while it was being cancelled; look at it again");
        }
        LOG.infof("Replay %s (%s) cancelled by %s", r.id(), r.state(), caller.getPrincipal().getName());
        return Response.noContent().build();
    }

    /**
     * Whether {@code fromSeq..toSeq} (both from 0, {@code from <= to}) holds more than {@code max} seqs, without
     * overflow: {@code to - from} cannot overflow for non-negative operands, {@code + 1} could.
     */
    static boolean tooLarge(long fromSeq, long toSeq, long max) {
        return Math.subtractExact(toSeq, fromSeq) >= max;
    }

    private static Response conflict(String error) {
        return Response.status(Response.Status.CONFLICT).type(MediaType.APPLICATION_JSON)
                .entity(new ApiError(null, error)).build();
    }

    static Accepted accepted(ReplayView r) {
        String gaps = "/api/v1/gaps?topic=" + r.topic();
        return new Accepted(r.id(), r.state(), r.gapId(), Map.of("self", "/api/v1/replays/" + r.id(), "gaps", gaps));
    }

    private ReplayTarget fromGap(ReplayRequest b) {
        if (b.topic() != null || b.key() != null || b.keyBase64() != null || b.fromSeq() != null
                || b.toSeq() != null || b.producer() != null || b.epoch() != null) {
            throw new BadRequestException("gapId", "give either gapId alone, or a stream and a range");
        }
        GapId parsed = GapId.parse(b.gapId());
        if (parsed == null || !config.topics().contains(parsed.topic())) {
            throw new BadRequestException("gapId", "not a gap id of an audited topic");
        }
        GapRecord g = work.gapOf(parsed.topic(), b.gapId());
        if (g == null) {
            throw new BadRequestException("gapId", "no open gap with this id");
        }
        return new ReplayTarget(g.stream(), g.fromSeq(), g.toSeq(), b.gapId());
    }

    private ReplayTarget fromRange(ReplayRequest b) {
        if (b.topic() == null || b.topic().isBlank()) {
            throw new BadRequestException("topic", "topic is required");
        }
        if (!config.topics().contains(b.topic())) {
            throw new BadRequestException("topic", "topic is not audited: " + b.topic());
        }
        int keys = (b.key() != null ? 1 : 0) + (b.keyBase64() != null ? 1 : 0) + (Boolean.TRUE.equals(b.nullKey()) ? 1 : 0);
        if (keys != 1) {
            throw new BadRequestException("key", "give exactly one of key, keyBase64 or nullKey: true");
        }
        byte[] key = null;
        if (b.key() != null) {
            key = b.key().getBytes(StandardCharsets.UTF_8);
        } else if (b.keyBase64() != null) {
            try {
                key = Base64.getDecoder().decode(b.keyBase64());
            } catch (IllegalArgumentException e) {
                throw new BadRequestException("keyBase64", "keyBase64 is not valid Base64");
            }
        }
        if (b.producer() == null || !b.producer().matches("[\\x20-\\x7e]{1,128}")) {
            throw new BadRequestException("producer", "producer must be printable ASCII, 1 to 128 characters");
        }
        if (b.epoch() == null || b.epoch() < 0) {
            throw new BadRequestException("epoch", "epoch must be a number from 0");
        }
        if (b.fromSeq() == null || b.fromSeq() < 0) {
            throw new BadRequestException("fromSeq", "fromSeq must be a number from 0");
        }
        if (b.toSeq() == null || b.toSeq() < b.fromSeq()) {
            throw new BadRequestException("toSeq", "toSeq must be a number not below fromSeq");
        }
        StreamRef ref = new StreamRef(b.topic(), key, b.producer(), b.epoch());
        return new ReplayTarget(ref, b.fromSeq(), b.toSeq(), null);
    }
}

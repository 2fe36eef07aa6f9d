package io.seqaudit.api;

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
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replays: ask for one ({@code POST}, 202), follow it ({@code GET /{id}}), list them. Thin: it checks the body
 * (400 naming the field, nothing written) and hands over to {@link ReplayService}. Blocking, worker threads.
 * Reading needs the {@code viewer} role; asking needs {@code operator} and is rate limited ({@link RateLimited}):
 * a 401, 403 or 429 is answered before the body is read.
 */
@Path("/api/v1/replays")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.VIEWER)
public class ReplayResource {

    private static final Set<String> STATES = Set.of(ReplayView.PENDING, ReplayView.PUBLISHED, ReplayView.REPAIRED,
            ReplayView.UNRECOVERABLE, ReplayView.FAILED);

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
    public record Accepted(String id, String state, String gapId, Map<String, String> links) {
    }

    @POST
    @RolesAllowed(Roles.OPERATOR)
    @RateLimited
    public Response request(ReplayRequest body) {
        if (body == null) {
            throw new BadRequestException("body", "a JSON body is required");
        }
        ReplayTarget target = body.gapId() != null ? fromGap(body) : fromRange(body);
        long size = target.toSeq() - target.fromSeq() + 1;
        if (size > config.replay().maxRange()) {
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
        String[] parts = StreamRef.splitId(id);
        if (parts == null || !config.topics().contains(parts[0])) {
            throw new NotFoundException();
        }
        return replays.get(parts[0], id).orElseThrow(NotFoundException::new);
    }

    @GET
    public List<ReplayView> list(@QueryParam("state") String state, @QueryParam("topic") String topic) {
        if (state != null && !STATES.contains(state)) {
            throw new BadRequestException("state", "state must be one of " + STATES);
        }
        if (topic != null && !config.topics().contains(topic)) {
            throw new BadRequestException("topic", "topic is not audited: " + topic);
        }
        List<ReplayView> out = new ArrayList<>();
        for (String t : topic == null ? config.topics() : List.of(topic)) {
            replays.list(t).stream().filter(r -> state == null || state.equals(r.state())).forEach(out::add);
        }
        return out;
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
        String[] parts = StreamRef.splitId(b.gapId());
        if (parts == null || !config.topics().contains(parts[0])) {
            throw new BadRequestException("gapId", "not a gap id of an audited topic");
        }
        GapRecord g = work.gapOf(parts[0], b.gapId());
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

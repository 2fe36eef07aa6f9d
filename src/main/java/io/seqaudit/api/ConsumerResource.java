package io.seqaudit.api;

import io.seqaudit.api.security.Roles;
import io.seqaudit.config.SeqauditConfig;
import io.seqaudit.sequence.ConsumerLedger;
import io.seqaudit.state.ConsumerProgress;
import io.seqaudit.state.StateReader;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code GET /api/v1/consumers}: per configured application group and audited topic, what the consumer stage knows
 * (README, "What the auditor does with receipts"). Reads the stored progress of every partition (one small value
 * per group and partition). Blocking, on worker threads; needs the {@code viewer} role; a Redis failure is a 503.
 */
@Path("/api/v1/consumers")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.VIEWER)
@APIResponse(responseCode = "400", description = "A parameter is wrong: the body names it",
        content = @Content(schema = @Schema(implementation = ApiError.class)))
@APIResponse(responseCode = "503", description = "Redis (the audit state) is unavailable",
        content = @Content(schema = @Schema(implementation = ApiError.class)))
public class ConsumerResource {

    private final StateReader reader;
    private final SeqauditConfig config;

    public ConsumerResource(StateReader reader, SeqauditConfig config) {
        this.reader = reader;
        this.config = config;
    }

    @GET
    @APIResponse(responseCode = "200", description = "Per group and topic (groups of seqaudit.consumers only)")
    public List<ConsumerView> consumers(@QueryParam("topic") String topic, @QueryParam("group") String group) {
        if (topic != null && !config.topics().contains(topic)) {
            throw new BadRequestException("topic", "topic is not audited: " + topic);
        }
        List<String> groups = config.consumers().orElse(List.of());
        if (group != null && !groups.contains(group)) {
            throw new BadRequestException("group", "group is not audited (seqaudit.consumers): " + group);
        }
        List<ConsumerView> out = new ArrayList<>();
        for (String t : topic == null ? config.topics() : List.of(topic)) {
            List<ConsumerProgress> all = reader.consumerProgress(t);
            for (String g : group == null ? groups : List.of(group)) {
                out.add(view(g, t, all.stream().filter(p -> p.group().equals(g)).toList()));
            }
        }
        return out;
    }

    private static ConsumerView view(String group, String topic, List<ConsumerProgress> progress) {
        List<ConsumerView.PartitionView> parts = new ArrayList<>();
        long committed = 0;
        long processed = 0;
        long pending = 0;
        long lost = 0;
        long twice = 0;
        for (ConsumerProgress p : progress) {
            ConsumerLedger l = new ConsumerLedger(p.ledger());
            ConsumerLedger.Data d = p.ledger();
            parts.add(new ConsumerView.PartitionView(p.partition(), d.committed(), d.frontier(), d.processedCount(),
                    l.pending(), d.lostCount(), d.twiceCount()));
            committed += d.start() < 0 || d.committed() < 0 ? 0 : Math.max(0, d.committed() - d.start());
            processed += d.processedCount();
            pending += l.pending();
            lost += d.lostCount();
            twice += d.twiceCount();
        }
        parts.sort(Comparator.comparingInt(ConsumerView.PartitionView::partition));
        return new ConsumerView(group, topic, committed, processed, pending, lost, twice, parts);
    }
}

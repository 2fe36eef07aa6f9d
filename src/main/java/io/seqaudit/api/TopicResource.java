package io.seqaudit.api;

import io.quarkus.security.identity.SecurityIdentity;
import io.seqaudit.api.security.Roles;
import io.seqaudit.audit.Reaudits;
import io.seqaudit.audit.Truncation;
import io.seqaudit.config.SeqauditConfig;
import io.seqaudit.state.StateReader;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * An audited topic's events and operator actions: re-audit it (the way back after its audit state was lost), list
 * its re-audits and the log truncations the auditor handled. A thin adapter; blocking, on worker threads.
 */
@Path("/api/v1/topics/{topic}")
@Produces(MediaType.APPLICATION_JSON)
public class TopicResource {

    private static final Logger LOG = Logger.getLogger(TopicResource.class);

    private final Reaudits reaudits;
    private final SeqauditConfig config;
    private final SecurityIdentity caller;
    private final StateReader reader;

    public TopicResource(Reaudits reaudits, StateReader reader, SeqauditConfig config, SecurityIdentity caller) {
        this.reader = reader;
        this.reaudits = reaudits;
        this.config = config;
        this.caller = caller;
    }

    /**
     * Deletes the topic's audit state and audits it again from the earliest offset Kafka still holds: 202 with
     * when, who, the new generation and the offsets the audit starts from.
     */
    @POST
    @Path("/reaudit")
    @RolesAllowed(Roles.OPERATOR)
    public Response reaudit(@PathParam("topic") String topic) {
        audited(topic);
        String by = caller.getPrincipal().getName();
        Reaudits.Reaudit r = reaudits.reaudit(topic, by);
        LOG.warnf("Topic %s re-audited by %s: generation %s, from offsets %s", topic, by, r.generation(),
                r.fromOffsets());
        return Response.accepted(r).build();
    }

    /** The topic's re-audits, newest first. */
    @GET
    @Path("/reaudits")
    @RolesAllowed(Roles.VIEWER)
    public List<Reaudits.Reaudit> reaudits(@PathParam("topic") String topic) {
        audited(topic);
        return reaudits.list(topic);
    }

    /** Log truncations the auditor handled on the topic (unclean leader elections), newest first. */
    @GET
    @Path("/truncations")
    @RolesAllowed(Roles.VIEWER)
    public List<Truncation> truncations(@PathParam("topic") String topic) {
        audited(topic);
        return reader.truncations(topic).stream().map(Truncation::fromJson).toList();
    }

    /**
     * The topic's coverage gaps: offsets deleted (retention) before the auditor read them, by partition and offset.
     * Seqs skipped without audit on a compacted topic are counted in the summary ({@code uncovered}), not here.
     */
    @GET
    @Path("/coverage")
    @RolesAllowed(Roles.VIEWER)
    public List<CoverageView> coverage(@PathParam("topic") String topic) {
        audited(topic);
        return reader.coverage(topic).stream().map(CoverageView::of).toList();
    }

    private void audited(String topic) {
        if (!config.topics().contains(topic)) {
            throw new BadRequestException("topic", "topic must be one of the audited topics " + config.topics());
        }
    }
}

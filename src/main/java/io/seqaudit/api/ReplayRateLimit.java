package io.seqaudit.api;

import io.seqaudit.config.SeqauditConfig;
import io.seqaudit.replay.RateLimiter;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.util.Optional;

/**
 * The replay budget: one {@link RateLimiter} of {@code seqaudit.api.replay-rate} per second with a burst of
 * {@code seqaudit.api.replay-burst}, across all callers (it protects the source of truth the replays read).
 * Applied by {@link RateLimited}, or called directly with {@link #check()}.
 */
@ApplicationScoped
public class ReplayRateLimit {

    private final RateLimiter limiter;
    private final String limits;

    public ReplayRateLimit(SeqauditConfig config) {
        this.limiter = new RateLimiter(config.api().replayRate(), config.api().replayBurst(), System::nanoTime);
        this.limits = "at most " + config.api().replayRate() + " replay requests per second (burst "
                + config.api().replayBurst() + ")";
    }

    /** Takes a permit, or throws the 429 answer (with {@code Retry-After} and a JSON body) without taking one. */
    public void check() {
        rejection().ifPresent(r -> {
            throw new WebApplicationException(r);
        });
    }

    /** Takes a permit and answers empty, or takes none and answers the 429 response. */
    public Optional<Response> rejection() {
        long wait = limiter.tryAcquire();
        if (wait == 0) {
            return Optional.empty();
        }
        long seconds = RateLimiter.retryAfterSeconds(wait);
        return Optional.of(Response.status(Response.Status.TOO_MANY_REQUESTS).header("Retry-After", seconds)
                .type(MediaType.APPLICATION_JSON)
                .entity(new ApiError(null, "too many requests: " + limits + "; retry after " + seconds + "s"))
                .build());
    }

    /** Checks the budget for endpoints marked {@link RateLimited}, after authentication and authorization. */
    @Provider
    @RateLimited
    @Priority(Priorities.USER)
    public static class Filter implements ContainerRequestFilter {
        private final ReplayRateLimit budget;

        public Filter(ReplayRateLimit budget) {
            this.budget = budget;
        }

        @Override
        public void filter(ContainerRequestContext request) {
            budget.rejection().ifPresent(request::abortWith);
        }
    }
}

package io.seqaudit.api;

import jakarta.ws.rs.NameBinding;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The annotated endpoint (or every endpoint of the annotated class) shares the replay budget
 * {@code seqaudit.api.replay-rate} / {@code replay-burst}: a request beyond it gets 429 with {@code Retry-After}
 * before the method runs or the body is read (see {@link ReplayRateLimit}). Checked after authentication and
 * roles: a 401 or 403 never uses the budget.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface RateLimited {
}

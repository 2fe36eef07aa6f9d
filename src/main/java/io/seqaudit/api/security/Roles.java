package io.seqaudit.api.security;

import java.util.Set;

/**
 * The roles of the API. A resource declares what it needs with {@code @RolesAllowed(Roles.VIEWER)} (reads) or
 * {@code @RolesAllowed(Roles.OPERATOR)} (replays); an operator is always a viewer too (see
 * {@link OperatorImpliesViewer}).
 */
public final class Roles {

    /** Reads the findings: summary, gaps, streams, duplicates, replays. */
    public static final String VIEWER = "viewer";
    /** Asks for replays; implies {@link #VIEWER}. */
    public static final String OPERATOR = "operator";

    /** Every role a token line may name. */
    public static final Set<String> ALL = Set.of(VIEWER, OPERATOR);

    private Roles() {
    }
}

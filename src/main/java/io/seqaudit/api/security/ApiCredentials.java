package io.seqaudit.api.security;

import io.quarkus.runtime.StartupEvent;
import io.seqaudit.config.SeqauditConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * What the API accepts as credentials, decided once at start: whether authentication is on, the static tokens
 * file (if configured) and whether JWTs are verified (only when smallrye-jwt has a key to verify them with).
 */
@ApplicationScoped
public class ApiCredentials {

    private static final Logger LOG = Logger.getLogger(ApiCredentials.class);

    /**
     * Any of these set (to anything but smallrye-jwt's {@code NONE}) turns the JWT option on: without a key
     * smallrye-jwt could verify nothing.
     */
    static final List<String> JWT_KEY_PROPERTIES = List.of("mp.jwt.verify.publickey",
            "mp.jwt.verify.publickey.location", "smallrye.jwt.verify.key.location");

    private final boolean enabled;
    private final Optional<TokenFile> tokens;
    private final boolean jwt;

    public ApiCredentials(SeqauditConfig config, Config mp) {
        this.enabled = config.api().authEnabled();
        this.tokens = enabled ? config.api().tokensFile().map(TokenFile::new) : Optional.empty();
        this.jwt = enabled && JWT_KEY_PROPERTIES.stream()
                .anyMatch(p -> mp.getOptionalValue(p, String.class).filter(v -> !v.isBlank() && !"NONE".equals(v)).isPresent());
    }

    void report(@Observes StartupEvent start) {
        if (!enabled) {
            LOG.warn("seqaudit.api.auth-enabled=false: every caller of /api/v1 is treated as an operator");
        } else if (tokens.isEmpty() && !jwt) {
            LOG.warn("no seqaudit.api.tokens-file and no mp.jwt.verify.publickey[.location]: every /api/v1 request"
                    + " will be answered 401");
        } else {
            LOG.infof("/api/v1 accepts %s%s", tokens.map(t -> "the bearer tokens of " + t.path()).orElse(""),
                    jwt ? (tokens.isPresent() ? " and " : "") + "JWTs (roles from the groups claim)" : "");
        }
    }

    /** Whether {@code /api/v1} asks for credentials at all. */
    public boolean enabled() {
        return enabled;
    }

    /** The static tokens file, when one is configured and authentication is on. */
    public Optional<TokenFile> tokens() {
        return tokens;
    }

    /** Whether a bearer token that is not a static one is verified as a JWT. */
    public boolean jwt() {
        return jwt;
    }
}

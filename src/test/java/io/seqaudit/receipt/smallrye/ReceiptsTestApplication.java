package io.seqaudit.receipt.smallrye;

import io.quarkus.arc.profile.IfBuildProfile;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * A SmallRye Reactive Messaging application, as an application has one: an {@code @Incoming} method that fails on
 * some records. It knows nothing of receipts. Only under the build profile of {@link ReceiptsIncomingInterceptorTest}
 * (other Quarkus tests configure no such channel).
 */
@ApplicationScoped
@IfBuildProfile(ReceiptsIncomingInterceptorTest.PROFILE)
public class ReceiptsTestApplication {

    public static final String CHANNEL = "orders-in";
    public static final String POISON = "poison";

    @Incoming(CHANNEL)
    public void consume(String value) {
        if (value.startsWith(POISON)) {
            throw new IllegalStateException("cannot process " + value);
        }
    }
}

package io.seqaudit.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A replay's state is stored in Redis as JSON: the enum keeps the lower-case strings earlier builds wrote, so a
 * replay stored by them reads back in the same state, and one written now reads the same to them.
 */
class ReplayViewTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every state, as earlier builds (string constants) stored it. */
    private static final Map<ReplayView.State, String> EARLIER = Map.of(ReplayView.State.PENDING, "pending",
            ReplayView.State.PUBLISHED, "published", ReplayView.State.REPAIRED, "repaired",
            ReplayView.State.UNRECOVERABLE, "unrecoverable", ReplayView.State.FAILED, "failed");

    @Test
    void everyStateIsStoredAsTheStringEarlierBuildsWroteAndReadsBack() throws Exception {
        assertThat(EARLIER.keySet()).containsExactlyInAnyOrder(ReplayView.State.values());
        for (Map.Entry<ReplayView.State, String> e : EARLIER.entrySet()) {
            ReplayView r = new ReplayView("t.s.0-9", "t", "k", "aw==", "shop", 1, 0, 9, null, e.getKey(), 10, 0,
                    List.of(), null, 0, "test", "2026-12-04T00:00:00Z", "2026-12-04T00:00:00Z");
            String json = JSON.writeValueAsString(r);
            assertThat(json).contains("\"state\":\"" + e.getValue() + "\"");
            assertThat(JSON.readValue(json, ReplayView.class)).isEqualTo(r);
        }
    }

    @Test
    void aReplayStoredByAnEarlierBuildReadsBackInItsState() throws Exception {
        for (Map.Entry<ReplayView.State, String> e : EARLIER.entrySet()) {
            String stored = "{\"id\":\"t.s.0-9\",\"topic\":\"t\",\"key\":\"k\",\"keyBase64\":\"aw==\",\"producer\":"
                    + "\"shop\",\"epoch\":1,\"fromSeq\":0,\"toSeq\":9,\"gapId\":null,\"state\":\"" + e.getValue()
                    + "\",\"requested\":10,\"republished\":0,\"missingInSource\":[],\"error\":null,\"fetches\":0,"
                    + "\"requestedBy\":\"test\",\"createdAt\":\"2026-12-04T00:00:00Z\","
                    + "\"updatedAt\":\"2026-12-04T00:00:00Z\"}";
            assertThat(JSON.readValue(stored, ReplayView.class).state()).isEqualTo(e.getKey());
        }
    }

    @Test
    void onlyPendingAndPublishedReplaysHaveWorkLeftAndOnlyPendingOrFailedOnesMayBeCancelled() {
        assertThat(List.of(ReplayView.State.values())).filteredOn(ReplayView.State::active)
                .containsExactlyInAnyOrder(ReplayView.State.PENDING, ReplayView.State.PUBLISHED);
        assertThat(List.of(ReplayView.State.values())).filteredOn(ReplayView.State::cancellable)
                .containsExactlyInAnyOrder(ReplayView.State.PENDING, ReplayView.State.FAILED);
    }
}

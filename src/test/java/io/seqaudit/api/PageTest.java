package io.seqaudit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Cursor pages: following next reaches every item once, in order, even when items are removed meanwhile. */
class PageTest {

    private static final int ITEMS = 25;
    private static final int LIMIT = 7;

    private static List<String> items() {
        return IntStream.range(0, ITEMS).mapToObj(i -> String.format("t.s.%03d", i)).toList();
    }

    @Test
    void followingNextReachesEveryItemOnceInOrder() {
        List<String> all = items();
        List<String> seen = new ArrayList<>();
        int pages = 0;
        String cursor = null;
        do {
            Page<String> p = Page.after(all, Function.identity(), cursor, LIMIT);
            seen.addAll(p.items());
            cursor = p.next();
            pages++;
        } while (cursor != null);
        assertThat(seen).isEqualTo(all);
        assertThat(pages).isEqualTo((ITEMS + LIMIT - 1) / LIMIT);
    }

    @Test
    void removingASeenItemDoesNotShiftTheNextPage() {
        Page<String> first = Page.after(items(), Function.identity(), null, LIMIT);
        List<String> fewer = new ArrayList<>(items());
        fewer.remove(first.items().get(0));
        Page<String> second = Page.after(fewer, Function.identity(), first.next(), LIMIT);
        assertThat(second.items()).isEqualTo(items().subList(LIMIT, 2 * LIMIT));
    }

    @Test
    void aCursorThatIsNotBase64GetsABadRequestNamingCursor() {
        assertThatThrownBy(() -> Page.after(items(), Function.identity(), "%%%", LIMIT))
                .isInstanceOf(BadRequestException.class)
                .satisfies(e -> assertThat(((BadRequestException) e).field()).isEqualTo("cursor"));
    }
}

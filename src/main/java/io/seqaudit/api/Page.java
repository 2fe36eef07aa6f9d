package io.seqaudit.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * One page of a list answer: {@code items} in a stable order and {@code next}, the opaque cursor of the page after
 * it (null on the last page). A client passes {@code next} back as {@code cursor} until it is null; items added or
 * removed meanwhile neither repeat nor shift the others, because the cursor names the last item's sort key (not an
 * offset). Immutable.
 *
 * @param <T> the item type
 */
public record Page<T>(List<T> items, String next) {

    /** The largest {@code limit} a list endpoint accepts. */
    public static final int MAX_LIMIT = 1000;
    /** The {@code limit} when none is given. */
    public static final int DEFAULT_LIMIT = 100;

    /**
     * The page after {@code cursor} (or the first when null) of {@code sorted}, which must be sorted by
     * {@code sortKey} ascending with unique keys.
     *
     * @throws BadRequestException naming {@code cursor} when it was not made by this type
     */
    public static <T> Page<T> after(List<T> sorted, Function<T, String> sortKey, String cursor, int limit) {
        String from = cursor == null ? null : decode(cursor);
        List<T> rest = from == null ? sorted
                : sorted.stream().filter(t -> sortKey.apply(t).compareTo(from) > 0).toList();
        if (rest.size() <= limit) {
            return new Page<>(List.copyOf(rest), null);
        }
        List<T> items = List.copyOf(rest.subList(0, limit));
        return new Page<>(items, encode(sortKey.apply(items.get(items.size() - 1))));
    }

    static String encode(String sortKey) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(sortKey.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The sort key a cursor names, or null for none.
     *
     * @throws BadRequestException naming {@code cursor} when it was not made by this type
     */
    static String decode(String cursor) {
        if (cursor == null) {
            return null;
        }
        try {
            return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw badCursor();
        }
    }

    /** The 400 for a cursor this API did not give (naming the field {@code cursor}). */
    static BadRequestException badCursor() {
        return new BadRequestException("cursor", "cursor is not one this API gave (use the answer's next)");
    }
}

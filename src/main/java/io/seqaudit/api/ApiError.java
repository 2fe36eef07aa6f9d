package io.seqaudit.api;

/**
 * The body of every 4xx answer of the API.
 *
 * @param field the request field at fault, or null
 * @param error what is wrong, for a person
 */
public record ApiError(String field, String error) {
}

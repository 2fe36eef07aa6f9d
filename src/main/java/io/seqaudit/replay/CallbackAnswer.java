package io.seqaudit.replay;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.seqaudit.replay.ReplaySource.Fetched;
import io.seqaudit.replay.ReplaySource.Request;
import io.seqaudit.replay.ReplaySource.SourceRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTTP callback's answer, bound by Jackson: {@code {"records": [{"seq", "keyBase64", "valueBase64", "headers"}],
 * "missing": [seq]}}, read with {@link SourceAnswers#STRICT_JSON}. A malformed answer is a
 * {@link ReplaySourceException} naming the field ({@code records[0].seq is not an integer}). Thread-safe.
 *
 * @param records required; {@code valueBase64} present in each (JSON null for a tombstone), hence a node
 * @param missing seqs the source does not have; optional
 */
record CallbackAnswer(@JsonProperty(required = true) List<Entry> records, List<Long> missing) {

    /** One record of the answer; {@code valueBase64} is null when absent, a NullNode for a tombstone. */
    record Entry(@JsonProperty(required = true) long seq, String keyBase64, JsonNode valueBase64,
            Map<String, String> headers) {
    }

    private static final ObjectMapper JSON = SourceAnswers.STRICT_JSON;

    /** Binds and checks the body, then lets {@link SourceAnswers} check the seqs against the request. */
    static Fetched parse(Request r, byte[] body, String where) throws ReplaySourceException {
        if (body == null || body.length == 0) {
            throw malformed(where, "an empty body");
        }
        CallbackAnswer answer;
        try {
            answer = JSON.readValue(body, CallbackAnswer.class);
        } catch (MismatchedInputException e) {
            throw malformed(where, problem(e));
        } catch (JsonProcessingException e) {
            throw malformed(where, "not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw malformed(where, "not JSON: " + e.getMessage());
        }
        List<SourceRecord> found = new ArrayList<>(answer.records().size());
        for (int i = 0; i < answer.records().size(); i++) {
            Entry e = answer.records().get(i);
            if (e == null) {
                throw malformed(where, "records[" + i + "] is not an object");
            }
            found.add(record(r, e, "records[" + i + "] (seq " + e.seq() + ")", where));
        }
        List<Long> missing = answer.missing() == null ? List.of() : answer.missing();
        for (int i = 0; i < missing.size(); i++) {
            if (missing.get(i) == null) {
                throw malformed(where, "missing[" + i + "] is not an integer: null");
            }
        }
        return SourceAnswers.assemble(r, where, found, missing);
    }

    private static SourceRecord record(Request r, Entry e, String at, String where) throws ReplaySourceException {
        if (e.keyBase64() != null && !Arrays.equals(base64(e.keyBase64(), at + ".keyBase64", where), r.key())) {
            throw malformed(where, at + ".keyBase64 is not the requested stream's key");
        }
        if (e.valueBase64() == null) {
            throw malformed(where, at + ".valueBase64 is missing (null for a tombstone)");
        }
        if (!e.valueBase64().isNull() && !e.valueBase64().isTextual()) {
            throw malformed(where, at + ".valueBase64 is not a base64 string");
        }
        byte[] value = e.valueBase64().isNull() ? null : base64(e.valueBase64().textValue(), at + ".valueBase64", where);
        Map<String, byte[]> headers = new LinkedHashMap<>();
        if (e.headers() != null) {
            for (Map.Entry<String, String> h : e.headers().entrySet()) {
                headers.put(h.getKey(), h.getValue() == null ? null
                        : base64(h.getValue(), at + ".headers." + h.getKey(), where));
            }
        }
        return new SourceRecord(e.seq(), r.key() == null ? null : r.key().clone(), value,
                SourceAnswers.applicationHeaders(headers));
    }

    /** Jackson's complaint in the answer's own terms: where ({@code records[0].seq}) and what is wrong. */
    private static String problem(MismatchedInputException e) {
        List<JsonMappingException.Reference> path = e.getPath();
        if (path.isEmpty()) {
            return "not a JSON object";
        }
        StringBuilder at = new StringBuilder();
        for (JsonMappingException.Reference ref : path) {
            if (ref.getFieldName() != null) {
                at.append(at.length() == 0 ? "" : ".").append(ref.getFieldName());
            } else {
                at.append('[').append(ref.getIndex()).append(']');
            }
        }
        String where = path.size() == 1 ? "\"" + at + "\"" : at.toString();
        String message = e.getOriginalMessage();
        if (message != null && message.startsWith("Missing required creator property")) {
            return where + " is missing";
        }
        Class<?> target = e.getTargetType();
        if (target == long.class || target == Long.class) {
            return where + " is not an integer";
        }
        if (target != null && List.class.isAssignableFrom(target)) {
            return where + " is not an array";
        }
        if (target == String.class) {
            return where + " is not a base64 string";
        }
        return where + " is not an object";
    }

    private static byte[] base64(String text, String path, String where) throws ReplaySourceException {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw malformed(where, path + " is not valid base64: " + e.getMessage());
        }
    }

    private static ReplaySourceException malformed(String where, String problem) {
        return new ReplaySourceException(where + " gave a malformed answer: " + problem);
    }
}

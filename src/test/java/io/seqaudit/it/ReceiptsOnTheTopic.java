package io.seqaudit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The receipts on a receipt topic as a client that is not ours reads them (kcat), and what they tell: for each
 * "group/topic/partition@offset", the outcomes in the order they were told ("processed", or the failure's reason).
 */
public final class ReceiptsOnTheTopic {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ReceiptsOnTheTopic() {
    }

    /** Every message of {@code topic}, as "key TAB value" lines, read with kcat from the beginning to the end. */
    public static List<String> kcat(String topic) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kcat", "-C", "-b", KafkaSupport.bootstrap(), "-t", topic, "-e", "-q",
                "-o", "beginning", "-f", "%k\t%s\n").start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("kcat finished").isTrue();
        assertThat(p.exitValue()).as(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        List<String> lines = new ArrayList<>();
        for (String l : new String(out, StandardCharsets.UTF_8).split("\n")) {
            if (!l.isBlank()) {
                lines.add(l);
            }
        }
        return lines;
    }

    /** What the receipts of {@code topic} tell, checking each message's key and contract on the way. */
    public static Map<String, List<String>> told(String topic) throws IOException, InterruptedException {
        Map<String, List<String>> told = new TreeMap<>();
        for (String line : kcat(topic)) {
            String key = line.substring(0, line.indexOf('\t'));
            JsonNode r = JSON.readTree(line.substring(line.indexOf('\t') + 1));
            assertThat(r.get("v").asInt()).isEqualTo(1);
            String stream = r.get("group").asText() + "/" + r.get("topic").asText() + "/" + r.get("partition").asInt();
            assertThat(key).isEqualTo(stream);
            long last = -1;
            for (JsonNode range : r.path("processed")) {
                assertThat(range.get(0).asLong()).isGreaterThan(last).isLessThanOrEqualTo(range.get(1).asLong());
                last = range.get(1).asLong();
                for (long o = range.get(0).asLong(); o <= range.get(1).asLong(); o++) {
                    told.computeIfAbsent(stream + "@" + o, k -> new ArrayList<>()).add("processed");
                }
            }
            last = -1;
            for (JsonNode range : r.path("failed")) {
                assertThat(range.get(0).asLong()).isGreaterThan(last).isLessThanOrEqualTo(range.get(1).asLong());
                last = range.get(1).asLong();
                for (long o = range.get(0).asLong(); o <= range.get(1).asLong(); o++) {
                    told.computeIfAbsent(stream + "@" + o, k -> new ArrayList<>()).add(range.get(2).asText());
                }
            }
        }
        return told;
    }
}

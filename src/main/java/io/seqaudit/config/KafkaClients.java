package io.seqaudit.config;

import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.jboss.logging.Logger;

/**
 * The one place the service's Kafka clients get their settings, from the {@code kafka.*} configuration (Quarkus's
 * {@code default-kafka-broker} map, prefix removed). Each kind of client gets what it knows:
 * <ul>
 * <li>{@code kafka.<setting>}: to every kind whose configuration defines the setting (connection and security
 * settings reach all three; {@code kafka.max.poll.records} only the consumer);</li>
 * <li>{@code kafka.consumer.<setting>}, {@code kafka.producer.<setting>}, {@code kafka.admin.<setting>}: to that
 * kind only, over the shared value (e.g. a producer-only {@code kafka.producer.compression.type}).</li>
 * </ul>
 * A {@code kafka.*} setting that no kind knows is named in one WARN at start and otherwise ignored, instead of a
 * client warning per client built. The callers put the settings seqaudit's design depends on (group, commits,
 * isolation, transactions) over these. Thread-safe; built once at start.
 */
@ApplicationScoped
public class KafkaClients {

    private static final Logger LOG = Logger.getLogger(KafkaClients.class);

    /** The kinds of client the service builds, with the prefix of their own settings. */
    public enum Kind {
        CONSUMER("consumer.", ConsumerConfig.configNames()),
        PRODUCER("producer.", ProducerConfig.configNames()),
        ADMIN("admin.", AdminClientConfig.configNames());

        private final String prefix;
        private final Set<String> known;

        Kind(String prefix, Set<String> known) {
            this.prefix = prefix;
            this.known = known;
        }
    }

    private final Map<String, String> kafka;

    public KafkaClients(@Identifier("default-kafka-broker") Map<String, Object> kafka) {
        Map<String, String> all = new TreeMap<>();
        kafka.forEach((k, v) -> all.put(k, String.valueOf(v)));
        this.kafka = Map.copyOf(all);
        Set<String> unknown = new TreeSet<>();
        all.keySet().forEach(k -> {
            if (kindOf(k) == null && java.util.Arrays.stream(Kind.values()).noneMatch(c -> c.known.contains(k))) {
                unknown.add("kafka." + k);
            }
        });
        if (!unknown.isEmpty()) {
            LOG.warnf("Ignoring %s: not a setting of the Kafka consumer, producer or admin client (a kind's own "
                    + "setting goes under kafka.consumer., kafka.producer. or kafka.admin.)", unknown);
        }
    }

    /** The settings for one kind of client: the shared ones it knows, then its own. A fresh, mutable copy. */
    public Properties settings(Kind kind) {
        Properties p = new Properties();
        kafka.forEach((k, v) -> {
            if (kindOf(k) == null && kind.known.contains(k)) {
                p.put(k, v);
            }
        });
        kafka.forEach((k, v) -> {
            if (kindOf(k) == kind) {
                p.put(k.substring(kind.prefix.length()), v);
            }
        });
        return p;
    }

    /** A new admin client; the caller closes it. */
    public Admin admin() {
        return Admin.create(settings(Kind.ADMIN));
    }

    private static Kind kindOf(String key) {
        for (Kind k : Kind.values()) {
            if (key.startsWith(k.prefix)) {
                return k;
            }
        }
        return null;
    }
}

package io.seqaudit.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.validator.BeanValidationConfigValidator;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The mapping's Bean Validation constraints, checked the way Quarkus checks them at start (SmallRye Config's
 * validator): a bad value fails naming the property.
 */
class SeqauditConfigValidationTest {

    @Test
    void aNegativeGraceFailsNamingTheProperty() {
        BeanValidationConfigValidator validator = new BeanValidationConfigValidator() {
            @Override
            public Validator getValidator() {
                return Validation.buildDefaultValidatorFactory().getValidator();
            }
        };
        assertThatThrownBy(() -> new SmallRyeConfigBuilder().withMapping(SeqauditConfig.class)
                .withSources(new PropertiesConfigSource(Map.of("seqaudit.grace", "-5s", "seqaudit.topics", "t"),
                        "test", 500))
                .withConverter(Duration.class, 200, new DurationConverter()).withValidator(validator).build())
                .hasMessageContaining("seqaudit.grace").hasMessageContaining("must not be negative");
    }

    @Test
    void aStartFromThatIsNeitherEarliestNorLatestFailsNamingTheProperty() {
        // A typo used to mean "earliest" silently: now the service does not start.
        assertThatThrownBy(() -> new SmallRyeConfigBuilder().withMapping(SeqauditConfig.class)
                .withSources(new PropertiesConfigSource(Map.of("seqaudit.audit.start-from", "lastest",
                        "seqaudit.topics", "t"), "test", 500))
                .withConverter(Duration.class, 200, new DurationConverter()).build())
                .hasMessageContaining("seqaudit.audit.start-from");
        SeqauditConfig ok = new SmallRyeConfigBuilder().withMapping(SeqauditConfig.class)
                .withSources(new PropertiesConfigSource(Map.of("seqaudit.audit.start-from", "latest",
                        "seqaudit.topics", "t"), "test", 500))
                .withConverter(Duration.class, 200, new DurationConverter()).build()
                .getConfigMapping(SeqauditConfig.class);
        org.assertj.core.api.Assertions.assertThat(ok.audit().startFrom()).isEqualTo(SeqauditConfig.StartFrom.LATEST);
    }

    @Test
    void aBlankConsumerGroupFailsNamingTheSettingAndNoneMeansOff() {
        BeanValidationConfigValidator validator = new BeanValidationConfigValidator() {
            @Override
            public Validator getValidator() {
                return Validation.buildDefaultValidatorFactory().getValidator();
            }
        };
        assertThatThrownBy(() -> new SmallRyeConfigBuilder().withMapping(SeqauditConfig.class)
                .withSources(new PropertiesConfigSource(Map.of("seqaudit.consumers[0]", "orders",
                        "seqaudit.consumers[1]", " ", "seqaudit.topics", "t"), "test", 500))
                .withConverter(Duration.class, 200, new DurationConverter()).withValidator(validator).build())
                .hasMessageContaining("seqaudit.consumers").hasMessageContaining("blank group id");
        SeqauditConfig off = new SmallRyeConfigBuilder().withMapping(SeqauditConfig.class)
                .withSources(new PropertiesConfigSource(Map.of("seqaudit.topics", "t"), "test", 500))
                .withConverter(Duration.class, 200, new DurationConverter()).withValidator(validator).build()
                .getConfigMapping(SeqauditConfig.class);
        org.assertj.core.api.Assertions.assertThat(off.consumers()).isEmpty();
        org.assertj.core.api.Assertions.assertThat(off.audit().receiptTopic()).isEqualTo("seqaudit.receipts");
    }
}

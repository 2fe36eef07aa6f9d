package io.seqaudit;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * Packages depend one way (issue 10): {@code stamp}, {@code sequence}, {@code config} at the bottom; {@code state};
 * {@code metrics}; {@code audit} and {@code replay}; {@code api} on top. Nothing below imports from above. (The
 * tools {@code bench} and {@code demo} live in src/tools/java, compiled with the tests: main code cannot use them.)
 * The interceptor package {@code stamp} ships as its own jar next to kafka-clients only: it may use nothing but
 * java, Kafka and SLF4J. So does the receipts client {@code receipt} (issue 13), at the bottom too: it uses nothing
 * of seqaudit, and its core nothing but java, Kafka and SLF4J ({@code receipt.smallrye} adds the SmallRye API).
 */
class PackageDependenciesTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.seqaudit");

    /** The layers, without exceptions: nothing below imports from above. */
    static final ArchRule LAYERS = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("Base").definedBy("io.seqaudit.stamp..", "io.seqaudit.receipt..", "io.seqaudit.sequence..",
                    "io.seqaudit.config..")
            .layer("State").definedBy("io.seqaudit.state..")
            .layer("Metrics").definedBy("io.seqaudit.metrics..")
            .layer("Work").definedBy("io.seqaudit.audit..", "io.seqaudit.replay..")
            .layer("Api").definedBy("io.seqaudit.api..")
            .whereLayer("Api").mayNotBeAccessedByAnyLayer()
            .whereLayer("Work").mayOnlyBeAccessedByLayers("Api")
            .whereLayer("Metrics").mayOnlyBeAccessedByLayers("Work", "Api")
            .whereLayer("State").mayOnlyBeAccessedByLayers("Metrics", "Work", "Api");

    /** Within the bottom layer, the three packages stand alone, except that anything may use the headers. */
    static final ArchRule BASE_APART = noClasses().that().resideInAnyPackage("io.seqaudit.sequence..",
                    "io.seqaudit.config..")
            .should().dependOnClassesThat().resideInAnyPackage("io.seqaudit.state..", "io.seqaudit.metrics..",
                    "io.seqaudit.audit..", "io.seqaudit.replay..", "io.seqaudit.api..");

    /**
     * The receipts client ships as its own jar, used inside other applications: it imports nothing of seqaudit
     * but itself; its SmallRye interceptor only the SmallRye, MicroProfile and Jakarta APIs besides.
     */
    static final ArchRule RECEIPT_STANDS_ALONE = noClasses().that().resideInAPackage("io.seqaudit.receipt..")
            .should().dependOnClassesThat().resideOutsideOfPackages("java..", "org.apache.kafka..", "org.slf4j..",
                    "jakarta..", "io.smallrye.reactive.messaging..", "org.eclipse.microprofile..",
                    "io.seqaudit.receipt..");

    /** Its core (all but {@code receipt.smallrye}) needs only java, Kafka and SLF4J: usable without SmallRye. */
    static final ArchRule RECEIPT_CORE_USES_ONLY_KAFKA = noClasses().that().resideInAPackage("io.seqaudit.receipt")
            .should().dependOnClassesThat().resideOutsideOfPackages("java..", "org.apache.kafka..", "org.slf4j..",
                    "io.seqaudit.receipt");

    static final ArchRule STAMP_STANDS_ALONE = noClasses().that().resideInAPackage("io.seqaudit.stamp..")
            .should().dependOnClassesThat().resideOutsideOfPackages("java..", "org.apache.kafka..", "org.slf4j..",
                    "io.seqaudit.stamp..");

    @Test
    void packagesDependOneWay() {
        LAYERS.check(MAIN);
        BASE_APART.check(MAIN);
    }

    @Test
    void theInterceptorPackageUsesOnlyJavaKafkaAndSlf4j() {
        STAMP_STANDS_ALONE.check(MAIN);
    }

    @Test
    void theReceiptsClientUsesNothingOfSeqauditAndItsCoreOnlyJavaKafkaAndSlf4j() {
        RECEIPT_STANDS_ALONE.check(MAIN);
        RECEIPT_CORE_USES_ONLY_KAFKA.check(MAIN);
    }

    @Test
    void theRulesSeeViolations() {
        // Proves the rules can fail: the stamp tests use JUnit and AssertJ; the api imports audit and replay.
        JavaClasses stampTests = new ClassFileImporter().withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                .importPackages("io.seqaudit.stamp");
        assertThatThrownBy(() -> STAMP_STANDS_ALONE.check(stampTests)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("org.junit");
        // The receipt tests use jqwik; the interceptor's test uses the it package's helpers.
        JavaClasses receiptTests = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS).importPackages("io.seqaudit.receipt");
        assertThatThrownBy(() -> RECEIPT_CORE_USES_ONLY_KAFKA.check(receiptTests)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("net.jqwik");
        assertThatThrownBy(() -> RECEIPT_STANDS_ALONE.check(receiptTests)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("io.seqaudit.it");
        assertThatThrownBy(() -> noClasses().that().resideInAPackage("io.seqaudit.api..").should()
                .dependOnClassesThat(resideInAPackage("io.seqaudit.replay..")).check(MAIN))
                .isInstanceOf(AssertionError.class);
    }
}

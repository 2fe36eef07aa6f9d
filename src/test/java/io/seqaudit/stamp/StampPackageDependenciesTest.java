package io.seqaudit.stamp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The interceptor ships as its own jar next to nothing but kafka-clients (and slf4j, which kafka-clients
 * brings): its package may use only java.*, org.apache.kafka.* and org.slf4j.*.
 */
class StampPackageDependenciesTest {

    private static final List<String> ALLOWED = List.of("java.", "org.apache.kafka.", "org.slf4j.", "io.seqaudit.stamp.");
    private static final Pattern IMPORT = Pattern.compile("^\\s*import\\s+(?:static\\s+)?([\\w.]+(?:\\.\\*)?)\\s*;",
            Pattern.MULTILINE);
    /** A type in a descriptor or signature, e.g. {@code Ljava/util/Map;} or {@code Ljava/util/Map<}. */
    private static final Pattern DESCRIPTOR_TYPE = Pattern.compile("L([A-Za-z_$][\\w$]*(?:/[\\w$]+)+)[;<]");

    @Test
    void mainSourcesImportOnlyJavaKafkaAndSlf4j() throws IOException {
        Path sources = Path.of(System.getProperty("basedir", "."), "src/main/java/io/seqaudit/stamp");
        Set<String> imports = new TreeSet<>();
        try (Stream<Path> files = Files.list(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    imports.add(m.group(1));
                }
            }
        }
        assertThat(imports).contains("org.apache.kafka.clients.producer.ProducerInterceptor", "org.slf4j.Logger");
        assertThat(imports).allMatch(StampPackageDependenciesTest::allowed);
    }

    @Test
    void compiledClassesReferenceOnlyJavaKafkaSlf4jAndTheirOwnPackage() throws Exception {
        Set<String> referenced = referencedTypes(classesOf(SequenceStampingInterceptor.class));

        assertThat(referenced).contains("org.apache.kafka.clients.producer.ProducerRecord", "org.slf4j.Logger",
                "io.seqaudit.stamp.StreamCounters");
        assertThat(referenced).allMatch(StampPackageDependenciesTest::allowed);
    }

    @Test
    void theClassFileScanSeesForeignDependencies() throws Exception {
        // Proves the scan above can fail: this test class itself uses JUnit and AssertJ.
        Set<String> referenced = referencedTypes(classesOf(StampPackageDependenciesTest.class));

        assertThat(referenced).contains("org.junit.jupiter.api.Test", "org.assertj.core.api.Assertions")
                .anyMatch(type -> !allowed(type));
    }

    private static boolean allowed(String type) {
        return ALLOWED.stream().anyMatch(type::startsWith);
    }

    /** All compiled classes (nested ones too) of the stamp package in the output directory of {@code anchor}. */
    private static List<Path> classesOf(Class<?> anchor) throws IOException, URISyntaxException {
        Path root = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (Stream<Path> files = Files.list(root.resolve("io/seqaudit/stamp"))) {
            List<Path> classes = files.filter(f -> f.toString().endsWith(".class")).toList();
            assertThat(classes).isNotEmpty();
            return classes;
        }
    }

    /** Class names from the constant pools: class entries plus types in descriptors and signatures. */
    private static Set<String> referencedTypes(List<Path> classFiles) throws IOException {
        Set<String> internalNames = new TreeSet<>();
        for (Path file : classFiles) {
            internalNames.addAll(constantPoolTypes(Files.readAllBytes(file)));
        }
        return internalNames.stream().map(n -> n.replace('/', '.')).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> constantPoolTypes(byte[] classFile) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        assertThat(in.readInt()).isEqualTo(0xCAFEBABE);
        in.readUnsignedShort(); // minor
        in.readUnsignedShort(); // major
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        int[] classNameIndex = new int[count];
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7 -> classNameIndex[i] = in.readUnsignedShort();
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
                case 5, 6 -> { // long and double take two slots
                    in.readLong();
                    i++;
                }
                case 15 -> {
                    in.readUnsignedByte();
                    in.readUnsignedShort();
                }
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        Set<String> types = new TreeSet<>();
        for (int i = 1; i < count; i++) {
            if (classNameIndex[i] != 0 && !utf8[classNameIndex[i]].startsWith("[")) {
                types.add(utf8[classNameIndex[i]]);
            }
            if (utf8[i] != null) {
                Matcher m = DESCRIPTOR_TYPE.matcher(utf8[i]);
                while (m.find()) {
                    types.add(m.group(1));
                }
            }
        }
        return types;
    }
}

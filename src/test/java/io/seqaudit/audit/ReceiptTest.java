package io.seqaudit.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The receipt contract (v1) as the auditor checks it: valid receipts parsed, each kind of breach named. */
class ReceiptTest {

    private static Receipt parse(String json) throws Receipt.Invalid {
        return Receipt.parse(json.getBytes(StandardCharsets.UTF_8), 1, 42);
    }

    private static Receipt.Problem problem(String json) {
        return catchThrowableOfType(() -> parse(json), Receipt.Invalid.class).problem;
    }

    @Test
    void theContractsExampleIsParsed() throws Exception {
        Receipt r = parse("{\"v\":1,\"group\":\"orders-service\",\"topic\":\"orders\",\"partition\":3,"
                + "\"at\":1764830000000,\"client\":\"orders-7f9c/consumer-orders-1\","
                + "\"processed\":[[100,149],[151,151]],\"failed\":[[150,150,\"java.lang.IllegalStateException\"]],"
                + "\"unknown\":true}");
        assertThat(r.group()).isEqualTo("orders-service");
        assertThat(r.partition()).isEqualTo(3);
        assertThat(r.processed()).containsExactly(new Receipt.Range(100, 149), new Receipt.Range(151, 151));
        assertThat(r.failed()).containsExactly(new Receipt.Failed(150, 150, "java.lang.IllegalStateException"));
        assertThat(r.sourcePartition()).isEqualTo(1);
        assertThat(r.sourceOffset()).isEqualTo(42);
        assertThat(parse("{\"v\":1,\"group\":\"g\",\"topic\":\"t\",\"partition\":0}").processed()).isEmpty();
    }

    @Test
    void eachBreachIsNamed() {
        assertThat(problem("this is not json")).isEqualTo(Receipt.Problem.NOT_JSON);
        assertThat(problem("[1,2]")).isEqualTo(Receipt.Problem.NOT_JSON);
        assertThat(problem("{\"v\":2,\"group\":\"g\",\"topic\":\"t\",\"partition\":0}"))
                .isEqualTo(Receipt.Problem.UNKNOWN_VERSION);
        for (String missing : List.of("{\"group\":\"g\",\"topic\":\"t\",\"partition\":0}",
                "{\"v\":1,\"topic\":\"t\",\"partition\":0}", "{\"v\":1,\"group\":\"g\",\"partition\":0}",
                "{\"v\":1,\"group\":\"g\",\"topic\":\"t\"}")) {
            assertThat(problem(missing)).as(missing).isEqualTo(Receipt.Problem.MISSING_FIELD);
        }
        String head = "{\"v\":1,\"group\":\"g\",\"topic\":\"t\",\"partition\":0,";
        for (String bad : List.of("{\"v\":1,\"group\":\"\",\"topic\":\"t\",\"partition\":0}",
                "{\"v\":1,\"group\":\"g\",\"topic\":\"t\",\"partition\":-1}", head + "\"processed\":[[5,4]]}",
                head + "\"processed\":[[-1,4]]}", head + "\"processed\":[[5,9],[7,12]]}",
                head + "\"processed\":[[5]]}", head + "\"failed\":[[1,2]]}",
                head + "\"processed\":[[1,5]],\"failed\":[[5,6,\"x\"]]}")) {
            assertThat(problem(bad)).as(bad).isEqualTo(Receipt.Problem.BAD_VALUE);
        }
    }
}

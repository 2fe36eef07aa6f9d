package io.seqaudit.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The batcher's receipts on examples, and their JSON as the contract writes it. */
class ReceiptBatcherTest {

    private static final ReceiptBatcher.Key P3 = new ReceiptBatcher.Key("orders-service", "orders", 3);

    @Test
    void adjacentOffsetsMergeIntoAscendingRangesWhateverTheOrderTheyCameIn() {
        ReceiptBatcher b = new ReceiptBatcher(1000, 1000);
        for (long o : new long[] {105, 100, 102, 101, 103, 104, 151, 150}) {
            b.processed(P3, o);
        }
        assertThat(b.drain()).containsExactly(new Receipt("orders-service", "orders", 3,
                List.of(new Receipt.Range(100, 105), new Receipt.Range(150, 151)), List.of()));
        assertThat(b.drain()).isEmpty();
    }

    @Test
    void failedOffsetsAreRangesOfTheirOwnWithTheirReason() {
        ReceiptBatcher b = new ReceiptBatcher(1000, 1000);
        b.processed(P3, 100);
        b.failed(P3, 101, "java.lang.IllegalStateException");
        b.failed(P3, 102, "java.lang.IllegalStateException");
        b.failed(P3, 103, "timeout");
        b.processed(P3, 104);
        assertThat(b.drain()).containsExactly(new Receipt("orders-service", "orders", 3,
                List.of(new Receipt.Range(100, 100), new Receipt.Range(104, 104)),
                List.of(new Receipt.Failed(101, 102, "java.lang.IllegalStateException"),
                        new Receipt.Failed(103, 103, "timeout"))));
    }

    @Test
    void anOffsetAgainInTheOpenBatchStartsTheNextReceipt() {
        ReceiptBatcher b = new ReceiptBatcher(1000, 1000);
        b.processed(P3, 7);
        b.processed(P3, 8);
        b.failed(P3, 9, "x.Boom");
        b.processed(P3, 9); // recovered: must be told after the failure, in a receipt of its own
        b.processed(P3, 10);
        assertThat(b.drain()).containsExactly(
                new Receipt("orders-service", "orders", 3, List.of(new Receipt.Range(7, 8)),
                        List.of(new Receipt.Failed(9, 9, "x.Boom"))),
                new Receipt("orders-service", "orders", 3, List.of(new Receipt.Range(9, 10)), List.of()));
    }

    @Test
    void partitionsAreBatchedApart() {
        ReceiptBatcher b = new ReceiptBatcher(1000, 1000);
        ReceiptBatcher.Key p4 = new ReceiptBatcher.Key("orders-service", "orders", 4);
        b.processed(P3, 1);
        b.processed(p4, 1);
        b.processed(P3, 2);
        assertThat(b.drain()).containsExactly(
                new Receipt("orders-service", "orders", 3, List.of(new Receipt.Range(1, 2)), List.of()),
                new Receipt("orders-service", "orders", 4, List.of(new Receipt.Range(1, 1)), List.of()));
    }

    @Test
    void pastTheBoundTheOldestReceiptsAreDroppedAndTheirOffsetsCounted() {
        ReceiptBatcher b = new ReceiptBatcher(2, 1000);
        b.processed(P3, 0);
        b.processed(P3, 1);
        b.processed(P3, 5);
        List<Receipt> unsent = b.drain();
        b.requeue(unsent); // two ranges held again: within the bound
        assertThat(b.held()).isEqualTo(2);
        b.processed(P3, 9); // a third: the oldest receipt (offsets 0, 1 and 5) goes
        assertThat(b.dropped()).isEqualTo(3);
        assertThat(b.drain()).containsExactly(new Receipt("orders-service", "orders", 3,
                List.of(new Receipt.Range(9, 9)), List.of()));
    }

    @Test
    void theJsonIsTheContractsExample() {
        Receipt r = new Receipt("orders-service", "orders", 3,
                List.of(new Receipt.Range(100, 149), new Receipt.Range(151, 151)),
                List.of(new Receipt.Failed(150, 150, "java.lang.IllegalStateException")));
        assertThat(Receipts.json(r, 1764830000000L, "orders-7f9c/consumer-orders-1")).isEqualTo(
                "{\"v\":1,\"group\":\"orders-service\",\"topic\":\"orders\",\"partition\":3,\"at\":1764830000000,"
                        + "\"client\":\"orders-7f9c/consumer-orders-1\","
                        + "\"processed\":[[100,149],[151,151]],"
                        + "\"failed\":[[150,150,\"java.lang.IllegalStateException\"]]}");
        assertThat(new String(Receipts.key("orders-service", "orders", 3), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("orders-service/orders/3");
        assertThat(Receipts.json(new Receipt("g\"1", "t", 0, List.of(), List.of(new Receipt.Failed(0, 0,
                "a\\b\n"))), 5, null)).isEqualTo("{\"v\":1,\"group\":\"g\\\"1\",\"topic\":\"t\",\"partition\":0,"
                        + "\"at\":5,\"failed\":[[0,0,\"a\\\\b\\u000a\"]]}");
    }
}

package io.seqaudit.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The figures of one run: a summary table (figure, measured, target, met/missed) for the console, and the same as
 * markdown, with per-round details and the machine, written between the result markers of docs/benchmarks.md.
 */
final class Report {

    static final String BEGIN = "<!-- bench:results:begin (written by io.seqaudit.bench.Benchmark) -->";
    static final String END = "<!-- bench:results:end -->";

    private record Row(String figure, String measured, String target, Boolean met) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> details = new ArrayList<>();
    /** Tables printed after the console summary, already aligned. */
    private final List<String> consoleTables = new ArrayList<>();

    /** A summary row; {@code met} null for a figure without target. */
    void row(String figure, String measured, String target, Boolean met) {
        rows.add(new Row(figure, measured, target, met));
    }

    /** Markdown lines for the details part (per-round tables, notes). */
    void detail(String markdownLine) {
        details.add(markdownLine);
    }

    /**
     * A table of its own in both outputs: markdown in the details, and aligned text after the console summary
     * (a table whose rows are configurations rather than figures with targets).
     */
    void table(String caption, List<String> head, List<List<String>> rows) {
        detail(caption + "\n");
        detail("| " + String.join(" | ", head) + " |");
        detail("|" + "---|".repeat(head.size()));
        rows.forEach(r -> detail("| " + String.join(" | ", r) + " |"));
        detail("");
        int[] w = new int[head.size()];
        for (List<String> r : concat(head, rows)) {
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        StringBuilder b = new StringBuilder("\n").append(caption).append('\n');
        for (List<String> r : concat(head, rows)) {
            for (int i = 0; i < w.length; i++) {
                b.append(String.format("%-" + w[i] + "s  ", r.get(i)));
            }
            b.setLength(b.length() - 2);
            b.append('\n');
        }
        consoleTables.add(b.toString());
    }

    private static List<List<String>> concat(List<String> head, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>(rows.size() + 1);
        all.add(head);
        all.addAll(rows);
        return all;
    }

    String console() {
        int w = rows.stream().mapToInt(r -> r.figure.length()).max().orElse(10);
        int m = rows.stream().mapToInt(r -> r.measured.length()).max().orElse(10);
        StringBuilder b = new StringBuilder();
        String fmt = "%-" + w + "s  %-" + m + "s  %-10s %s%n";
        b.append(String.format(fmt, "figure", "median (min–max)", "target", ""));
        for (Row r : rows) {
            b.append(String.format(fmt, r.figure, r.measured, r.target, verdict(r.met)));
        }
        consoleTables.forEach(b::append);
        return b.toString();
    }

    String markdown(Options o, String machine) {
        StringBuilder b = new StringBuilder();
        b.append("### Run of ").append(ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z")))
                .append("\n\n");
        if (!o.fullSize()) {
            b.append("> **Development run at reduced sizes: not the benchmark's figures.** "
                    + "Run without size flags for those.\n\n");
        }
        b.append("Command: `").append(o.command()).append("`\n\n");
        b.append("Machine: ").append(machine).append("\n\n");
        b.append("| figure | median (min–max) | target | |\n|---|---|---|---|\n");
        for (Row r : rows) {
            b.append("| ").append(r.figure).append(" | ").append(r.measured).append(" | ").append(r.target)
                    .append(" | ").append(verdict(r.met)).append(" |\n");
        }
        b.append('\n');
        details.forEach(l -> b.append(l).append('\n'));
        return b.toString();
    }

    /** Replaces the results section of {@code doc} (between the markers), or appends one if it has none. */
    static void writeInto(Path doc, String section) throws IOException {
        String text = Files.exists(doc) ? Files.readString(doc) : "# Benchmarks\n\n## Results\n\n";
        int from = text.indexOf(BEGIN);
        int to = text.indexOf(END);
        String block = BEGIN + "\n" + section + END;
        if (from >= 0 && to > from) {
            text = text.substring(0, from) + block + text.substring(to + END.length());
        } else {
            text = text + (text.endsWith("\n") ? "" : "\n") + block + "\n";
        }
        if (doc.getParent() != null) {
            Files.createDirectories(doc.getParent());
        }
        Files.writeString(doc, text);
    }

    /** nproc, memory and CPU model of this machine, from the JVM and /proc. */
    static String machine() {
        String mem = grep("/proc/meminfo", "MemTotal");
        String cpu = grep("/proc/cpuinfo", "model name");
        String load = "?";
        try {
            load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            // not Linux: leave it out
        }
        double gib = mem.isEmpty() ? Double.NaN : Long.parseLong(mem.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0;
        return Runtime.getRuntime().availableProcessors() + " cores (nproc), "
                + Stats.fmt("%.1f", gib) + " GiB memory (MemTotal), CPU " + (cpu.isEmpty() ? "?" : cpu)
                + ", Java " + System.getProperty("java.version") + ", load average at start " + load;
    }

    private static String grep(String file, String field) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (line.startsWith(field)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "";
    }

    private static String verdict(Boolean met) {
        return met == null ? "" : met ? "met" : "MISSED";
    }
}

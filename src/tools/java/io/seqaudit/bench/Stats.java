package io.seqaudit.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Median, spread and percentiles of a few measurements, and the number formats the report uses. */
final class Stats {

    private Stats() {
    }

    static double median(List<Double> values) {
        return percentile(values, 50);
    }

    static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** Percentile by linear interpolation between closest ranks (p50 of an even count is the mean of the two). */
    static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(values);
        Collections.sort(s);
        double rank = p / 100 * (s.size() - 1);
        int lo = (int) Math.floor(rank);
        int hi = (int) Math.ceil(rank);
        return s.get(lo) + (s.get(hi) - s.get(lo)) * (rank - lo);
    }

    /** "412,300 (398,100–430,900)": median and min–max. */
    static String spread(List<Double> values, String format) {
        return fmt(format, median(values)) + " (" + fmt(format, min(values)) + "–" + fmt(format, max(values)) + ")";
    }

    static String fmt(String format, double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, format, v);
    }

    /** Records per second with thousands separators. */
    static String rate(double v) {
        return fmt("%,.0f", v);
    }
}

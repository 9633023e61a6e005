package io.sagaflow.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Horizontal bar charts, one panel per question, as a small hand-written SVG. */
final class SvgChart {

    record Bar(String label, double value, String color) {
    }

    private record Panel(String title, String unit, List<Bar> bars) {
    }

    private static final int WIDTH = 760;
    private static final int LABEL_WIDTH = 260;
    private static final int BAR_HEIGHT = 18;
    private static final int GAP = 6;

    private final String title;
    private final List<Panel> panels = new ArrayList<>();

    SvgChart(String title) {
        this.title = title;
    }

    SvgChart panel(String panelTitle, String unit, List<Bar> bars) {
        panels.add(new Panel(panelTitle, unit, bars));
        return this;
    }

    String render() {
        StringBuilder body = new StringBuilder();
        int y = 40;
        for (Panel panel : panels) {
            body.append(text(10, y, panel.title() + " (" + panel.unit() + ")", "bold", 14));
            y += 10;
            double max = panel.bars().stream().mapToDouble(Bar::value).filter(v -> !Double.isNaN(v)).max().orElse(1);
            double scale = (WIDTH - LABEL_WIDTH - 90) / Math.max(max, 1e-9);
            for (Bar bar : panel.bars()) {
                double value = Double.isNaN(bar.value()) ? 0 : bar.value();
                body.append(text(10, y + 13, bar.label(), "normal", 12));
                body.append(String.format(Locale.ROOT,
                        "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                        LABEL_WIDTH, y, value * scale, BAR_HEIGHT, bar.color()));
                body.append(text(LABEL_WIDTH + (int) (value * scale) + 6, y + 13,
                        Double.isNaN(bar.value()) ? "n/a" : format(bar.value()), "normal", 12));
                y += BAR_HEIGHT + GAP;
            }
            y += 26;
        }
        return String.format(Locale.ROOT, """
                <svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">
                <rect width="100%%" height="100%%" fill="white"/>
                %s%s</svg>
                """, WIDTH, y, WIDTH, y, text(10, 20, title, "bold", 16), body);
    }

    static String format(double value) {
        return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.1f", value);
    }

    private static String text(int x, int y, String content, String weight, int size) {
        String escaped = content.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" font-weight=\"%s\">%s</text>%n",
                x, y, size, weight, escaped);
    }
}

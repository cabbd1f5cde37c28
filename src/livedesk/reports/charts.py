"""Report charts as inline SVG drawn on the server, with the planner's small SVG builder (every
text escaped). Each chart goes on a page beside the table it draws: the table is its text
alternative, the SVG's <title> names it."""

from __future__ import annotations

from livedesk.planning.charts import PALETTE, Svg, legend_rows, text_width
from livedesk.planning.numbers import num
from livedesk.reports.texts import WEEKDAYS, WEEKDAYS_SHORT

# Light to dark; counts are dark on the first four, white on the rest (contrast ≥ 5:1).
HEAT = ("#eef3f8", "#c6dbef", "#9ecae1", "#6baed6", "#2171b5", "#08519c", "#08306b")
EMPTY = "#f7f7f7"


def heat_colour(value: int, peak: int) -> str:
    if value <= 0 or peak <= 0:
        return EMPTY
    step = 1 + round((len(HEAT) - 2) * (value - 1) / max(peak - 1, 1))
    return HEAT[min(step, len(HEAT) - 1)]


def heatmap_svg(grid: list[list[int]], title: str, lang: str, width: int = 900) -> str:
    """7 × 24 cells (Monday first, hours of local time), the count in every non-empty cell."""
    left, top, cell_h = 34, 40, 26
    cell_w = (width - left - 10) / 24
    height = top + 7 * cell_h + 12
    svg = Svg(width, height, title)
    svg.text(left, 16, title, 13)
    peak = max((v for row in grid for v in row), default=0)
    for hour in range(24):
        svg.text(left + (hour + 0.5) * cell_w, top - 6, f"{hour:02d}", 10, "middle")
    for day in range(7):
        y = top + day * cell_h
        svg.text(left - 4, y + cell_h / 2 + 4, WEEKDAYS_SHORT[lang][day], 11, "end")
        for hour in range(24):
            value = grid[day][hour]
            fill = heat_colour(value, peak)
            tip = f"{WEEKDAYS[lang][day]} {hour:02d}:00–{hour:02d}:59: {num(value, 0, lang)}"
            svg.rect(left + hour * cell_w + 1, y + 1, cell_w - 2, cell_h - 2, fill, tip)
            if value:
                dark = HEAT.index(fill) >= 4 if fill in HEAT else False
                svg.text(
                    left + (hour + 0.5) * cell_w,
                    y + cell_h / 2 + 4,
                    num(value, 0, lang),
                    10,
                    "middle",
                    "#ffffff" if dark else "#1b1f24",
                )
    return svg.render()


def bars_svg(
    categories: list[str],
    series: list[tuple[str, list[int]]],
    title: str,
    lang: str,
    width: int = 640,
) -> str:
    """Grouped vertical bars: one group per category, one bar per series, a legend below that
    wraps; the value above every bar."""
    left, right, top = 40, 10, 30
    plot_w = width - left - right
    legend = legend_rows([name for name, _ in series], left, plot_w, 11)
    plot_h = 170
    height = top + plot_h + 24 + (18 * len(legend) + 8 if len(series) > 1 else 0)
    svg = Svg(width, height, title)
    svg.text(left, 16, title, 13)
    peak = max([v for _, values in series for v in values] + [1])
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    base = top + plot_h
    svg.line(left, base, left + plot_w, base, "#767676")
    for i, category in enumerate(categories):
        x0 = left + i * group_w + group_w * 0.1
        for s, (name, values) in enumerate(series):
            value = values[i]
            h = (plot_h - 16) * value / peak
            x = x0 + s * bar_w
            svg.rect(
                x, base - h, bar_w - 2, h, PALETTE[s % len(PALETTE)], f"{category}, {name}: {value}"
            )
            svg.text(x + (bar_w - 2) / 2, base - h - 3, num(value, 0, lang), 10, "middle")
        label_x = left + (i + 0.5) * group_w
        size = 11 if text_width(category, 11) < group_w - 4 else 9
        svg.text(label_x, base + 15, category, size, "middle")
    if len(series) > 1:
        colours = {name: PALETTE[s % len(PALETTE)] for s, (name, _) in enumerate(series)}
        for r, row in enumerate(legend):
            y = base + 26 + 18 * r
            for x, name in row:
                svg.rect(x, y, 12, 11, colours[name])
                svg.text(x + 16, y + 10, name, 11, css_class="legend")
    return svg.render()

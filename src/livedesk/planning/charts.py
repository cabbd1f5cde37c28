"""Charts: a tiny dependency-free SVG builder, and PNG through matplotlib when installed."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import TYPE_CHECKING

from .costs import nice_ceiling
from .numbers import money, num

if TYPE_CHECKING:
    from .scenario import Plan

PALETTE = ("#1f6f8b", "#e07a2f", "#6a8d2f", "#a23b72", "#5b5f97", "#c44536", "#7f7f7f")

# Advance widths (in em) of DejaVu Sans, the widest common sans-serif, rounded up: text laid
# out with these never runs wider than estimated in the fonts browsers pick for sans-serif.
_NARROW = set("iljI.,:;!|'` ")
_SEMI = set("frt()[]/-1")
_WIDE = set("mwMWOQDGHNU@%")


def text_width(s: str, size: float) -> float:
    """A generous estimate of the rendered width of ``s`` at font ``size`` (px)."""
    em = 0.0
    for ch in s:
        if ch in _NARROW:
            em += 0.34
        elif ch in _SEMI:
            em += 0.45
        elif ch in _WIDE or ch.isupper():
            em += 0.9
        else:
            em += 0.66
    return em * size


def legend_rows(
    items: list[str], x0: float, max_width: float, size: float, swatch: float = 16.0
) -> list[list[tuple[float, str]]]:
    """Lay legend entries out left to right, wrapping to a new row when the next would not
    fit in ``max_width``; returns rows of (x of the swatch, label)."""
    rows: list[list[tuple[float, str]]] = [[]]
    x = x0
    for label in items:
        w = swatch + text_width(label, size) + 18.0
        if rows[-1] and x + w > x0 + max_width:
            rows.append([])
            x = x0
        rows[-1].append((x, label))
        x += w
    return rows


class Svg:
    """Just enough SVG: every text passes through html.escape so input cannot inject markup."""

    def __init__(self, width: int, height: int, title: str) -> None:
        self.w, self.h = width, height
        self.parts: list[str] = [f"<title>{html.escape(title)}</title>"]

    def rect(self, x: float, y: float, w: float, h: float, fill: str, tip: str = "") -> None:
        t = f"<title>{html.escape(tip)}</title>" if tip else ""
        self.parts.append(
            f'<rect x="{x:.2f}" y="{y:.2f}" width="{max(w, 0):.2f}" height="{max(h, 0):.2f}" '
            f'fill="{fill}">{t}</rect>'
        )

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        stroke: str = "#999",
        width: float = 1.0,
        dash: str = "",
    ) -> None:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<line x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}" '
            f'stroke="{stroke}" stroke-width="{width}"{d}/>'
        )

    def polyline(self, pts: list[tuple[float, float]], stroke: str, width: float = 2.0) -> None:
        p = " ".join(f"{x:.2f},{y:.2f}" for x, y in pts)
        self.parts.append(
            f'<polyline points="{p}" fill="none" stroke="{stroke}" stroke-width="{width}"/>'
        )

    def circle(self, x: float, y: float, r: float, fill: str, tip: str = "") -> None:
        t = f"<title>{html.escape(tip)}</title>" if tip else ""
        self.parts.append(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{r}" fill="{fill}">{t}</circle>')

    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: int = 11,
        anchor: str = "start",
        fill: str = "#222",
        css_class: str = "",
    ) -> None:
        c = f' class="{css_class}"' if css_class else ""
        self.parts.append(
            f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}" font-family="sans-serif"{c}>{html.escape(s)}</text>'
        )

    def render(self, element_id: str = "") -> str:
        body = "".join(self.parts)
        i = f' id="{html.escape(element_id, quote=True)}"' if element_id else ""
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg"{i} width="{self.w}" height="{self.h}" '
            f'viewBox="0 0 {self.w} {self.h}" role="img">{body}</svg>'
        )


def staffing_svg(plan: Plan, width: int = 900, height: int = 300) -> str:
    """Scheduled operators per hour of the week; the lag-aware extra on top in orange."""
    from .scenario import DAY_NAMES

    lang = plan.scenario.lang
    nl = lang == "nl"
    title = "Medewerkers per uur van de week" if nl else "Staff per hour of the week"
    legend = [
        "nodig voor de chats van dat uur" if nl else "needed for that hour's chats",
        "extra voor chats die uit het vorige uur doorlopen"
        if nl
        else "extra for chats still running from the hour before",
    ]
    left, right, top = 40, 10, 28
    pw = width - left - right
    rows = legend_rows(legend, left, pw, 11)
    bottom = 26 + 18 * len(rows) + 6
    ph = height - top - bottom
    svg = Svg(width, height, title)
    ivs = plan.intervals
    # people come whole: whole-number ticks, at most five of them above zero
    peak = max([iv.scheduled for iv in ivs] + [1])
    tick = max(1, math.ceil(nice_ceiling(peak / 5)))
    ymax = tick * math.ceil(peak / tick)
    bw = pw / len(ivs)
    svg.text(left, 16, title, 13)
    for v in range(0, ymax + 1, tick):
        y = top + ph - ph * v / ymax
        svg.line(left, y, left + pw, y, "#ddd")
        svg.text(left - 4, y + 4, num(v, 0, lang), 10, "end")
    for iv in ivs:
        x = left + iv.index * bw
        base = min(iv.per_hour_operators, iv.scheduled)
        h_base = ph * base / ymax
        d, h = divmod(iv.index, 24)
        tip = f"{DAY_NAMES[lang][d]} {h:02d}:00 — {iv.scheduled}"
        svg.rect(x, top + ph - h_base, bw * 0.9, h_base, PALETTE[0], tip)
        extra = iv.scheduled - base
        if extra > 0:
            svg.rect(
                x,
                top + ph - ph * iv.scheduled / ymax,
                bw * 0.9,
                ph * extra / ymax,
                PALETTE[1],
                tip + (f" (+{extra} doorlopende chats)" if nl else f" (+{extra} running chats)"),
            )
    for d in range(7):
        x = left + d * 24 * bw
        svg.line(x, top, x, top + ph, "#bbb")
        svg.text(x + 12 * bw, top + ph + 16, DAY_NAMES[lang][d], 11, "middle")
    colors = dict(zip(legend, PALETTE[:2], strict=True))
    for r, row in enumerate(rows):
        y = top + ph + 26 + 18 * r
        for x, label in row:
            svg.rect(x, y, 12, 11, colors[label])
            svg.text(x + 16, y + 10, label, 11, css_class="legend")
    return svg.render()


def cost_svg(plan: Plan, width: int = 900, height: int = 360) -> str:
    """Monthly cost versus monthly chat volume, with break-even points marked.

    The legend sits under the chart and wraps, so long price labels are shown whole.
    """
    lang = plan.scenario.lang
    nl = lang == "nl"
    title = "Kosten per maand bij elk aantal chats" if nl else "Monthly cost by number of chats"
    curve = plan.cost_curve(121)
    keys = [k for k in curve[0] if k != "chats_per_month"]
    labels = {"in_house": "zelf chatten" if nl else "in-house"}
    example = plan.scenario.prices is None
    for o in plan.outsourcing:
        prefix = ("voorbeeldprijs: " if nl else "example price: ") if example else ""
        labels[o["kind"]] = prefix + o["label"]
    xmax = plan.v_max
    ymax = nice_ceiling(max(max(r[k] for k in keys) for r in curve))
    y_ticks = [money(ymax * k / 4, lang, decimals=0) for k in range(5)]
    left = int(max(text_width(t, 10) for t in y_ticks)) + 14
    right, top = 24, 28
    pw = width - left - right
    rows = legend_rows([labels.get(k, k) for k in keys], left, pw, 11)
    bottom = 40 + 10 + 18 * len(rows)
    ph = height - top - bottom
    svg = Svg(width, height, title)

    def sx(v: float) -> float:
        return left + pw * v / xmax

    def sy(c: float) -> float:
        return top + ph - ph * c / ymax

    svg.text(left, 16, title, 13)
    for k in range(5):
        v = ymax * k / 4
        svg.line(left, sy(v), left + pw, sy(v), "#ddd")
        svg.text(left - 4, sy(v) + 4, y_ticks[k], 10, "end")
        xv = xmax * k / 4
        anchor = "start" if k == 0 else "end" if k == 4 else "middle"
        svg.text(sx(xv), top + ph + 14, num(xv, 0, lang), 10, anchor)
    svg.text(
        left + pw / 2, top + ph + 32, "chats per maand" if nl else "chats per month", 11, "middle"
    )
    colors = {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(keys)}
    for key in keys:
        # the in-house curve is a step function; draw it with steps
        pts: list[tuple[float, float]] = []
        for r in curve:
            x, y = sx(r["chats_per_month"]), sy(r[key])
            if key == "in_house" and pts:
                pts.append((x, pts[-1][1]))
            pts.append((x, y))
        svg.polyline(pts, colors[key], 2.5 if key == "in_house" else 1.6)
    by_label = {labels.get(k, k): colors[k] for k in keys}
    for line_no, row in enumerate(rows):
        y = top + ph + 44 + 18 * line_no
        for x, label in row:
            svg.rect(x, y, 12, 11, by_label[label])
            svg.text(x + 16, y + 10, label, 11, css_class="legend")
    now = plan.summary["chats_per_month"]
    if now <= xmax:
        svg.line(sx(now), top, sx(now), top + ph, "#444", 1, "4 3")
        svg.text(sx(now) + 3, top + 10, "nu" if nl else "now", 10)
    for o in plan.outsourcing:
        for b in o["break_even"]:
            v = b["volume"]
            cost = plan.inhouse_curve(v)
            if 0 < v <= xmax and cost <= ymax:
                tip = f"{labels[o['kind']]}: {num(v, 0, lang)} chats"
                svg.circle(sx(v), sy(cost), 4, colors.get(o["kind"], PALETTE[1]), tip)
    return svg.render()


def write_charts(plan: Plan, directory: Path, fmt: str = "svg") -> list[Path]:
    """Write staffing and cost charts; PNG needs the optional matplotlib extra."""
    directory.mkdir(parents=True, exist_ok=True)
    if fmt == "svg":
        out = [directory / "staffing.svg", directory / "costs.svg"]
        out[0].write_text(staffing_svg(plan), encoding="utf-8")
        out[1].write_text(cost_svg(plan), encoding="utf-8")
        return out
    return _write_png(plan, directory)


def _write_png(plan: Plan, directory: Path) -> list[Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the optional extra
        from .errors import PlanningInputError

        raise PlanningInputError(
            "charts_unavailable", "PNG charts need matplotlib: pip install 'livedesk[charts]'"
        ) from e
    lang = plan.scenario.lang
    fig, ax = plt.subplots(figsize=(11, 3.5))
    idx = [iv.index for iv in plan.intervals]
    ax.bar(idx, [iv.scheduled for iv in plan.intervals], width=0.9, color=PALETTE[0])
    ax.set_xticks([d * 24 + 12 for d in range(7)])
    from .scenario import DAY_NAMES

    ax.set_xticklabels(DAY_NAMES[lang])
    ax.set_ylabel("operators")
    fig.tight_layout()
    p1 = directory / "staffing.png"
    fig.savefig(p1, dpi=110)
    plt.close(fig)
    curve = plan.cost_curve(121)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    xs = [r["chats_per_month"] for r in curve]
    labels = {"in_house": "zelf chatten" if lang == "nl" else "in-house"}
    labels.update({o["kind"]: o["label"] for o in plan.outsourcing})
    for key in (k for k in curve[0] if k != "chats_per_month"):
        style = "steps-post" if key == "in_house" else "default"
        ax.plot(xs, [r[key] for r in curve], label=labels.get(key, key), drawstyle=style)
    for o in plan.outsourcing:
        for b in o["break_even"]:
            ax.plot([b["volume"]], [plan.inhouse_curve(b["volume"])], "o", color="black")
    ax.set_xlabel("chats per maand" if lang == "nl" else "chats per month")
    ax.set_ylabel("€ / maand" if lang == "nl" else "€ / month")
    ax.legend(fontsize=8)
    fig.tight_layout()
    p2 = directory / "costs.png"
    fig.savefig(p2, dpi=110)
    plt.close(fig)
    return [p1, p2]

"""Charts: a tiny dependency-free SVG builder, and PNG through matplotlib when installed."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from .costs import nice_ceiling

if TYPE_CHECKING:
    from .scenario import Plan

PALETTE = ("#1f6f8b", "#e07a2f", "#6a8d2f", "#a23b72", "#5b5f97", "#c44536", "#7f7f7f")


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
        self, x: float, y: float, s: str, size: int = 11, anchor: str = "start", fill: str = "#222"
    ) -> None:
        self.parts.append(
            f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}" font-family="sans-serif">{html.escape(s)}</text>'
        )

    def render(self) -> str:
        body = "".join(self.parts)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.w}" height="{self.h}" '
            f'viewBox="0 0 {self.w} {self.h}" role="img">{body}</svg>'
        )


def staffing_svg(plan: Plan, width: int = 900, height: int = 300) -> str:
    """Scheduled operators per hour of the week; the lag-aware extra on top in orange."""
    from .scenario import DAY_NAMES

    lang = plan.scenario.lang
    title = "Bezetting per uur van de week" if lang == "nl" else "Staffing per hour of the week"
    svg = Svg(width, height, title)
    left, right, top, bottom = 40, 10, 28, 36
    pw, ph = width - left - right, height - top - bottom
    ivs = plan.intervals
    ymax = nice_ceiling(max([iv.scheduled for iv in ivs] + [1]))
    bw = pw / len(ivs)
    svg.text(left, 16, title, 13)
    for k in range(5):
        v = ymax * k / 4
        y = top + ph - ph * v / ymax
        svg.line(left, y, left + pw, y, "#ddd")
        svg.text(left - 4, y + 4, f"{v:g}", 10, "end")
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
                tip + " (lag)",
            )
    for d in range(7):
        x = left + d * 24 * bw
        svg.line(x, top, x, top + ph, "#bbb")
        svg.text(x + 12 * bw, top + ph + 16, DAY_NAMES[lang][d], 11, "middle")
    legend = "extra voor na-ijlende chats" if lang == "nl" else "extra for chats still running"
    svg.rect(left + pw - 190, top + ph + 24, 10, 10, PALETTE[1])
    svg.text(left + pw - 176, top + ph + 33, legend, 10)
    return svg.render()


def cost_svg(plan: Plan, width: int = 900, height: int = 360) -> str:
    """Monthly cost versus monthly chat volume, with break-even points marked."""
    lang = plan.scenario.lang
    title = "Maandkosten per chatvolume" if lang == "nl" else "Monthly cost versus chat volume"
    curve = plan.cost_curve(121)
    svg = Svg(width, height, title)
    left, right, top, bottom = 70, 250, 28, 40
    pw, ph = width - left - right, height - top - bottom
    keys = [k for k in curve[0] if k != "chats_per_month"]
    xmax = plan.v_max
    ymax = nice_ceiling(max(max(r[k] for k in keys) for r in curve))

    def sx(v: float) -> float:
        return left + pw * v / xmax

    def sy(c: float) -> float:
        return top + ph - ph * c / ymax

    svg.text(left, 16, title, 13)
    for k in range(5):
        v = ymax * k / 4
        svg.line(left, sy(v), left + pw, sy(v), "#ddd")
        svg.text(left - 4, sy(v) + 4, f"€{v:,.0f}", 10, "end")
        xv = xmax * k / 4
        svg.text(sx(xv), top + ph + 14, f"{xv:,.0f}", 10, "middle")
    svg.text(
        left + pw / 2,
        height - 6,
        "chats per maand" if lang == "nl" else "chats per month",
        11,
        "middle",
    )
    labels = {"in_house": "zelf chatten" if lang == "nl" else "in-house"}
    labels.update({o["kind"]: o["label"] for o in plan.outsourcing})
    for i, key in enumerate(keys):
        # the in-house curve is a step function; draw it with steps
        pts: list[tuple[float, float]] = []
        for r in curve:
            x, y = sx(r["chats_per_month"]), sy(r[key])
            if key == "in_house" and pts:
                pts.append((x, pts[-1][1]))
            pts.append((x, y))
        color = PALETTE[i % len(PALETTE)]
        svg.polyline(pts, color, 2.5 if key == "in_house" else 1.6)
        ly = top + 14 + 18 * i
        svg.rect(left + pw + 12, ly - 9, 12, 10, color)
        svg.text(left + pw + 30, ly, labels.get(key, key)[:38], 10)
    now = plan.summary["chats_per_month"]
    if now <= xmax:
        svg.line(sx(now), top, sx(now), top + ph, "#444", 1, "4 3")
        svg.text(sx(now) + 3, top + 10, "nu" if lang == "nl" else "now", 10)
    for i, o in enumerate(plan.outsourcing, start=1):
        for b in o["break_even"]:
            v = b["volume"]
            cost = plan.inhouse_curve(v)
            if 0 < v <= xmax and cost <= ymax:
                svg.circle(
                    sx(v), sy(cost), 4, PALETTE[i % len(PALETTE)], f"{labels[o['kind']]}: {v:,.0f}"
                )
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

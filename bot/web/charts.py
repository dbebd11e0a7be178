"""The dashboard's charts as SVG, drawn with matplotlib's object API (a Figure of its own per
chart, no pyplot: nothing global to share between the web process's threads)."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from typing import Any

from bot.domain.metrics import Summary
from bot.domain.states import CaseMode

# rcParams are matplotlib's one global; SVG output reads `svg.fonttype` from them at saving.
_RC_LOCK = threading.Lock()
COLOURS = {CaseMode.SWARM: "#e8912d", CaseMode.TIERED: "#2d7be8"}


def _svg(draw: Any, *, width: float = 6.4, height: float = 3.2) -> str:
    import matplotlib
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    axes = figure.subplots()
    draw(axes)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    out = io.StringIO()
    with _RC_LOCK, matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text
        figure.savefig(out, format="svg")
    return out.getvalue()


def mttr_trend_svg(points: Sequence[tuple[str, float | None]]) -> str:
    """Mean hours to resolve per week (weeks without resolved cases left as gaps)."""

    def draw(axes: Any) -> None:
        labels = [label[-3:] for label, _ in points]
        values = [float("nan") if v is None else v for _, v in points]
        axes.plot(labels, values, marker="o", color="#2d7be8")
        axes.set_title("MTTR by week opened (hours)")
        axes.set_ylim(bottom=0)
        axes.tick_params(axis="x", labelrotation=45, labelsize=8)
        if all(v is None for _, v in points):
            axes.text(0.5, 0.5, "no resolved cases yet", transform=axes.transAxes,
                      ha="center", color="#888")

    return _svg(draw)


def mode_comparison_svg(by_mode: dict[str, Summary]) -> str:
    """Swarm vs tiered: median minutes to acknowledge and to resolve, side by side."""
    measures = (("acknowledge", "median_time_to_acknowledge"),
                ("resolve", "median_time_to_resolve"))

    def draw(axes: Any) -> None:
        width = 0.8 / max(len(by_mode), 1)
        for i, (mode, summary) in enumerate(by_mode.items()):
            values = []
            for _, attribute in measures:
                value = getattr(summary, attribute)
                values.append(0.0 if value is None else value.total_seconds() / 60)
            positions = [n + i * width for n in range(len(measures))]
            bars = axes.bar(positions, values, width, label=f"{mode} ({summary.cases} cases)",
                            color=COLOURS.get(mode, "#888"))
            axes.bar_label(bars, fmt="%.0f", fontsize=8)
        axes.set_xticks([n + width * (len(by_mode) - 1) / 2 for n in range(len(measures))],
                        [f"median minutes to {name}" for name, _ in measures])
        axes.set_title("Swarm vs tiered")
        axes.legend(frameon=False, fontsize=8)

    return _svg(draw)


def expert_load_svg(load: Sequence[tuple[str, int]]) -> str:
    """Open cases per person, busiest on top."""

    def draw(axes: Any) -> None:
        names = [name for name, _ in reversed(load)]
        counts = [n for _, n in reversed(load)]
        bars = axes.barh(names, counts, color="#5a9e6f")
        axes.bar_label(bars, fontsize=8)
        axes.set_title("Open cases per person")
        axes.xaxis.get_major_locator().set_params(integer=True)
        if not load:
            axes.text(0.5, 0.5, "nobody is on an open case", transform=axes.transAxes,
                      ha="center", color="#888")

    return _svg(draw, height=max(2.4, 0.35 * len(load) + 1))

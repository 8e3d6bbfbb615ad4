"""The comparison table on stdout and the chart (plain SVG, no matplotlib)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nlu_bench.pipelines import CHOSEN
from nlu_bench.served import SERVED


def _color(name: str) -> str:
    if name == SERVED:
        return "#d35400"
    if "DIET" in name:
        return "#c0392b"
    return "#2a7a2a" if name == CHOSEN else "#2c3e80"


def print_table(rows: dict[str, dict[str, Any]]) -> None:
    columns = ["acc", "mF1", "fb-in", "OOS%", "OOS%t", "hard%", "new%"]
    print(f"\n{'pipeline':<38} " + " ".join(f"{c:>6}" for c in columns) + f" {'train s':>8} {'p50 ms':>7}")
    for name, r in rows.items():
        topic = r.get("oos_caught_unseen_topics")
        cells = [r["accuracy"], r["macro_f1"], r["in_scope_fallback"] * 100, r["oos_caught"] * 100]
        line = f"{name:<38} {cells[0]:6.4f} {cells[1]:6.4f} {cells[2]:6.1f} {cells[3]:6.1f} "
        line += f"{topic * 100:6.1f} " if topic is not None else f"{'-':>6} "
        fresh = f"{r['fresh_caught'] * 100:6.1f}" if r.get("fresh_caught") is not None else f"{'-':>6}"
        line += (
            f"{r['hard_caught'] * 100:6.1f} {fresh} {r['train_seconds']:8.1f} {r['latency_ms']['p50']:7.1f}"
        )
        print(line)
    print("acc/mF1: 27 intents, fallback counts as wrong; fb-in: real questions sent to fallback;")
    print("OOS%: off-topic caught (random folds); OOS%t: whole topics held out; hard%: other services;")
    print("new%: off-topic messages written after the first run (never trained or tuned on)")
    print(f"{SERVED}: data/nlu's Bitext examples + shop intents + off-topic, scored on Bitext only")


def write_chart(rows: dict[str, dict[str, Any]], path: Path) -> None:
    """macro-F1 against off-topic caught; the target corner is shaded. Plain SVG (no matplotlib)."""
    w, h, m = 760, 460, 60
    x0, x1, y0, y1 = 0.5, 1.0, 0.94, 1.0

    def xy(x: float, y: float) -> tuple[float, float]:
        cx = m + (min(max(x, x0), x1) - x0) / (x1 - x0) * (w - 2 * m)
        return cx, h - m - (min(max(y, y0), y1) - y0) / (y1 - y0) * (h - 2 * m)

    tx, ty = xy(0.95, 1.0)
    bx, by = xy(1.0, 0.99)
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        'font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<rect x="{tx:.0f}" y="{ty:.0f}" width="{bx - tx:.0f}" height="{by - ty:.0f}" fill="#d9f2d9"/>',
        f'<text x="{tx + 4:.0f}" y="{ty + 14:.0f}" fill="#2a7a2a">target</text>',
    ]
    for v in np.arange(x0, x1 + 1e-9, 0.1):
        px, _ = xy(v, y0)
        svg.append(f'<text x="{px:.0f}" y="{h - m + 16}" text-anchor="middle">{v:.0%}</text>')
    for v in np.arange(y0, y1 + 1e-9, 0.01):
        _, py = xy(x0, v)
        svg.append(f'<text x="{m - 6}" y="{py + 4:.0f}" text-anchor="end">{v:.2f}</text>')
        svg.append(f'<line x1="{m}" x2="{w - m}" y1="{py:.0f}" y2="{py:.0f}" stroke="#eee"/>')
    svg.append(
        f'<text x="{w / 2}" y="{h - 20}" text-anchor="middle">off-topic messages caught (random folds)</text>'
    )
    svg.append(
        f'<text x="16" y="{h / 2}" transform="rotate(-90 16 {h / 2})" text-anchor="middle">macro-F1</text>'
    )
    for i, (name, r) in enumerate(rows.items()):
        px, py = xy(r["oos_caught"], r["macro_f1"])
        color = _color(name)
        svg.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{color}"/>')
        if name == SERVED:  # it sits on the chosen point: label it below, to the left
            x, y, anchor = px - 6, py + 22, "end"
        else:
            x, y, anchor = px + 6, py - 4 + (i % 3) * 9, "start"
        svg.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{color}">{name}</text>')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([*svg, "</svg>"]) + "\n")

"""The backtest table (stdout, Markdown-ready) and its chart (plain SVG: matplotlib is not installed)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

from backtesting import churn, offers, replenishment

REPLENISHMENT_GOAL = 0.20  # candidate MAE at least 20 % below the best baseline
CHURN_GOAL = 0.78


@dataclass(frozen=True)
class Results:
    # None for a backtest left out of the run (`--only`).
    replenishment: replenishment.ReplenishmentResult | None
    churn: churn.ChurnResult | None
    offers: offers.OffersResult | None
    seconds: float
    cutoff: str
    train_cutoff: str
    end: str


def goals(results: Results) -> list[tuple[str, str, bool]]:
    """(goal, what was reached, reached?) per backtest that was run."""
    rep, chu, off = results.replenishment, results.churn, results.offers
    reached: list[tuple[str, str, bool]] = []
    if rep is not None:
        reached.append(
            (
                "replenishment MAE >= 20 % below the best baseline",
                f"{rep.improvement:.1%} below {rep.best_baseline}",
                rep.improvement >= REPLENISHMENT_GOAL,
            )
        )
    if chu is not None:
        reached.append(
            (
                "churn AUC >= 0.78",
                f"AUC {chu.auc[churn.CANDIDATE]:.3f}",
                chu.auc[churn.CANDIDATE] >= CHURN_GOAL,
            )
        )
    if off is not None:
        cand, pop = off.scores[offers.CANDIDATE], off.scores[offers.POPULARITY]
        reached.append(
            (
                "offers better than popularity (hit rate and NDCG at 5)",
                f"hit@5 {cand.hit_rate:.3f} vs {pop.hit_rate:.3f}, NDCG@5 {cand.ndcg:.3f} vs {pop.ndcg:.3f}",
                cand.hit_rate > pop.hit_rate and cand.ndcg > pop.ndcg,
            )
        )
    return reached


def table(results: Results) -> str:
    rep, chu, off = results.replenishment, results.churn, results.offers
    lines = [
        f"Online Retail, test cutoff {results.cutoff} (test period to {results.end}), "
        f"parameters fitted before it (training cutoff {results.train_cutoff}); {results.seconds:.0f} s",
        "",
        "| backtest | method | metric | value |",
        "|---|---|---|---|",
    ]
    notes = [""]
    if rep is not None:
        for name, mae in rep.mae.items():
            lines.append(
                f"| replenishment ({rep.test_pairs:,} pairs) | {name} | MAE days (median) | "
                f"{mae:.1f} ({rep.median_error[name]:.1f}) |"
            )
        params = rep.params
        notes.append(
            f"replenishment parameters (training MAE {rep.train_mae:.1f} days on {rep.train_pairs:,} pairs): "
            f"k = {params.prior_weight}, sigma = {params.sigma}, "
            f"quantity exponent = {params.quantity_exponent}"
        )
    if chu is not None:
        for name, auc in chu.auc.items():
            lines.append(
                f"| churn ({chu.population:,} customers, {chu.churn_rate:.0%} churned) | {name} | AUC "
                f"| {auc:.3f} |"
            )
        if chu.bgnbd_error:
            lines.append(f"| churn | BG/NBD | AUC | not computed: {chu.bgnbd_error} |")
        notes.append(
            f"churn model trained on {chu.training_rows:,} customer-cutoffs"
            + (
                f" (the same recipe one split earlier, at the training cutoff: AUC {chu.validation_auc:.3f})"
                if chu.validation_auc is not None
                else ""
            )
            + (
                f"; BG/NBD r = {chu.bgnbd_params.r:.3f}, alpha = {chu.bgnbd_params.alpha:.3f}, "
                f"a = {chu.bgnbd_params.a:.4f}, b = {chu.bgnbd_params.b:.4g}"
                if chu.bgnbd_params
                else ""
            )
        )
    if off is not None:
        for name, ranking in off.scores.items():
            lines.append(
                f"| offers ({off.customers:,} customers) | {name} | hit@5 / NDCG@5 | "
                f"{ranking.hit_rate:.3f} / {ranking.ndcg:.3f} |"
            )
        notes.append(
            f"offers parameters (fitted on {off.train_customers:,} customers of the window before): "
            f"similarity weight = {off.params.similarity_weight}, "
            f"half-life = {off.params.half_life_days:.0f} days"
        )
    lines += ["", "| goal | result | reached |", "|---|---|---|"]
    lines += [f"| {goal} | {result} | {'yes' if ok else 'NO'} |" for goal, result, ok in goals(results)]
    return "\n".join(lines + notes)


def chart(results: Results, path: Path) -> None:
    """Three panels of horizontal bars: replenishment MAE, churn AUC, offers hit@5 and NDCG@5."""
    rep, chu, off = results.replenishment, results.churn, results.offers
    if rep is None or chu is None or off is None:
        raise ValueError("the chart shows all three backtests: run them all (no --only)")
    # (title, bars, goal, axis start): AUC bars start at 0.5, chance, so the differences show.
    panels: list[tuple[str, list[tuple[str, float, bool]], float | None, float]] = [
        (
            "Replenishment: MAE in days (lower is better)",
            [(n, v, n == replenishment.CANDIDATE) for n, v in rep.mae.items()],
            None,
            0.0,
        ),
        (
            "Churn: AUC, axis from 0.5 = chance (goal 0.78)",
            [(n, v, n == churn.CANDIDATE) for n, v in chu.auc.items()],
            CHURN_GOAL,
            0.5,
        ),
        (
            "Offers: hit rate at 5 / NDCG at 5 (higher is better)",
            [(f"{n}: hit@5", r.hit_rate, n == offers.CANDIDATE) for n, r in off.scores.items()]
            + [(f"{n}: NDCG@5", r.ndcg, n == offers.CANDIDATE) for n, r in off.scores.items()],
            None,
            0.0,
        ),
    ]
    width, bar, gap, label_width = 900, 18, 6, 330
    svg: list[str] = []
    y = 30
    svg.append(
        '<text x="10" y="18" font-size="13" font-weight="bold">'
        f"Backtests on Online Retail, cutoff {results.cutoff}</text>"
    )
    for title, bars, goal, low in panels:
        y += 16
        svg.append(f'<text x="10" y="{y}" font-size="12" font-weight="bold">{escape(title)}</text>')
        y += 8
        top = max(max(v for _, v, _ in bars), goal or 0.0)
        scale = (width - label_width - 70) / (((top - low) * 1.15) or 1.0)
        panel_top = y
        for name, value, candidate in bars:
            color = "#2a7a2a" if candidate else "#7f8c9d"
            length = max(value - low, 0.0) * scale
            svg.append(f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end">{escape(name)}</text>')
            svg.append(
                f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" fill="{color}"/>'
            )
            svg.append(f'<text x="{label_width + length + 4:.1f}" y="{y + 13}">{value:.3g}</text>')
            y += bar + gap
        if goal is not None:
            gx = label_width + (goal - low) * scale
            svg.append(
                f'<line x1="{gx:.1f}" x2="{gx:.1f}" y1="{panel_top - 4}" y2="{y}" '
                'stroke="#c0392b" stroke-dasharray="4 3"/>'
            )
            svg.append(f'<text x="{gx + 3:.1f}" y="{panel_top - 8}" fill="#c0392b">goal {goal:g}</text>')
        y += 10
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y + 10}" '
        'font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/>'
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([head, *svg, "</svg>"]) + "\n", encoding="utf-8")

"""The simulation's fast version: the built-in uplift recovered, the harmful trigger paused."""

from __future__ import annotations

from pathlib import Path

from outcomes.pause import PauseSettings
from outcomes.simulate import HARMFUL, HELPFUL, ResponseModel, SimConfig, chart, report, simulate

# Small, so it runs in make test: a bigger harm and a lower minimum sample than production's.
FAST = SimConfig(
    customers=800,
    days=30,
    seed=11,
    model=ResponseModel(uplift=0.2, harm=0.4),
    pause=PauseSettings(min_per_group=15, min_complaints=5, tau=0.2),
)


def test_the_fast_simulation_recovers_the_uplift_and_pauses_the_harmful_trigger(tmp_path: Path) -> None:
    result = simulate(FAST, tmp_path)
    conversion = result.helpful().comparison("conversion")
    assert conversion.vs_holdout is not None
    assert conversion.vs_holdout.contains(FAST.model.uplift), report(result)
    assert conversion.vs_holdout.estimate > 0.0
    assert HARMFUL in result.paused and HELPFUL not in result.paused, report(result)
    assert "automatic: complaints" in result.paused[HARMFUL][1]
    text = report(result)
    assert "built in: +20.0%" in text and "complaint share" in text and "retention rate" in text
    svg = chart(result)
    assert svg.startswith("<svg") and "paused automatically" in svg and "<polyline" in svg

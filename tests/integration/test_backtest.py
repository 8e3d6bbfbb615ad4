"""The backtest's machinery end to end on a tiny synthetic Online Retail file (not the real data run)."""

from __future__ import annotations

import contextlib
import csv
import gzip
import importlib.util
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FAMILIES = ("mug", "tea towel", "lantern", "candle")
# Many colours per family, so a customer keeps discovering products of their favourite family.
COLOURS = tuple(f"shade{index}" for index in range(30))


def _backtest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("backtest_script", PROJECT_ROOT / "bench" / "backtest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class KeywordEmbedder:
    """Products of one family point the same way: offers can beat popularity without the real model."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.array(
            [[1.0 if family in text else 0.0 for family in FAMILIES] + [0.05] for text in texts],
            dtype=np.float32,
        )
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def write_shop(path: Path, customers: int = 150, seed: int = 3) -> None:
    """A year of invoices: each customer buys at their own rate from a favourite product family,
    repeating some products on their own rhythm, until a random point where some stop."""
    rng = np.random.default_rng(seed)
    products = [(f"{f[:2].upper()}{c[-2:].upper()}", f"{c} {f}".upper()) for f in FAMILIES for c in COLOURS]
    start = datetime(2010, 12, 1, 9, 0)
    rows = []
    invoice = 500000
    for customer in range(customers):
        family = int(rng.integers(len(FAMILIES)))
        staple = int(rng.integers(len(products)))
        rhythm = float(rng.uniform(10, 40))
        stop = float(rng.uniform(150, 560))
        day = float(rng.uniform(0, 60))
        while day < min(stop, 372):
            invoice += 1
            mine = [family * len(COLOURS) + int(i) for i in rng.choice(len(COLOURS), 2, replace=False)]
            other = int(rng.integers(len(products)))
            for product in [staple, *mine, other]:
                code, name = products[product]
                when = start + timedelta(days=day)
                rows.append(
                    [
                        invoice,
                        code,
                        name,
                        int(rng.integers(1, 6)),
                        when.strftime("%Y-%m-%d %H:%M:%S"),
                        "2.50",
                        f"{12000 + customer}.0",
                        "United Kingdom",
                    ]
                )
            day += rhythm * float(rng.lognormal(0, 0.3))
    with gzip.open(path, "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "InvoiceNo",
                "StockCode",
                "Description",
                "Quantity",
                "InvoiceDate",
                "UnitPrice",
                "CustomerID",
                "Country",
            ]
        )
        writer.writerows(rows)


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    chart: Path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One backtest of the synthetic shop, shared by the tests that read its output."""
    folder = tmp_path_factory.mktemp("backtest")
    data = folder / "retail.csv.gz"
    write_shop(data)
    chart = folder / "figures" / "backtest.svg"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = _backtest().main(
            ["--data", str(data), "--chart", str(chart), "--no-progress"], embedder=KeywordEmbedder()
        )
    return Run(code, printed.getvalue(), chart)


def test_one_command_prints_the_table_and_writes_the_chart(run: Run) -> None:
    assert run.code == 0
    for expected in (
        "shrunk rhythm (candidate)",
        "constant median interval",
        "average interval minus recency",
        "boosted trees (candidate)",
        "recency alone",
        "BG/NBD",
        "popularity",
        "| goal | result | reached |",
    ):
        assert expected in run.out
    svg = run.chart.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>") and svg.count("<rect") >= 10


def _values(out: str, backtest: str) -> dict[str, float]:
    """method -> first figure of its row in the printed table."""
    rows = [line.split("|") for line in out.splitlines() if line.startswith(f"| {backtest} (")]
    return {row[2].strip(): float(row[4].split()[0]) for row in rows if row[4].split()[0][0].isdigit()}


def test_the_candidates_see_what_was_built_into_the_shop(run: Run) -> None:
    """Each customer buys a staple on their own rhythm (10-40 days) and explores one product family:
    a constant interval cannot know the rhythm, popularity cannot know the family."""
    timing = _values(run.out, "replenishment")
    assert timing["shrunk rhythm (candidate)"] < 0.8 * timing["constant median interval"]
    offers = _values(run.out, "offers")
    assert offers["MiniLM taste + popularity (candidate)"] > offers["popularity"]
    churn = _values(run.out, "churn")
    assert churn["boosted trees (candidate)"] > 0.6


def test_a_missing_file_or_a_short_history_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backtest = _backtest()
    assert backtest.main(["--data", str(tmp_path / "nope.csv.gz"), "--no-progress"]) == 2
    assert "data file not found" in capsys.readouterr().err
    data = tmp_path / "retail.csv.gz"
    write_shop(data, customers=20)
    assert backtest.main(["--data", str(data), "--cutoff", "2011-01-15", "--no-progress"]) == 2
    assert "26 weeks of data before it" in capsys.readouterr().err


def test_only_churn_runs_the_churn_backtest_alone_without_a_chart(tmp_path: Path) -> None:
    data = tmp_path / "retail.csv.gz"
    write_shop(data)
    chart = tmp_path / "backtest.svg"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = _backtest().main(
            ["--data", str(data), "--chart", str(chart), "--no-progress", "--only", "churn"]
        )
    out = printed.getvalue()
    assert code == 0
    assert "boosted trees (candidate)" in out and "churn AUC >= 0.78" in out
    assert "| replenishment (" not in out and "| offers (" not in out
    assert not chart.exists()

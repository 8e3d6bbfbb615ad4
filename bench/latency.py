"""REST round-trip latency of the assistant against a bare `rasa init` starter bot, in one run.

    .venv/bin/python bench/latency.py [--runs 3] [--users 20]

Both bots run on this machine at the same time, each the other's baseline: the starter bot is
trained by `rasa init` into a temporary folder (its default pipeline, no custom actions); the
assistant runs as `make run` runs it (NLU service, action server, Rasa) on a seeded demo store.
Every simulated user is an identified demo customer (a signed chat token, as the website sends)
in a fresh conversation of 14 turns answered from the store. Each run measures one user and
`--users` concurrent users on both bots, alternating which bot goes first; the report gives each
run's p95 ratio (assistant / starter) and the median over the runs.

    .venv/bin/python bench/latency.py --outcomes [--runs 1] [--port-base 6000]

measures the outcome log's cost instead (docs/outcomes.md): the assistant alone, then with the
outcome collector (`python -m outcomes collect --every 1`, reading the tracker store read-only
once a second, 600 times as often as the scheduler does) running beside it, alternating; the
report gives the p95 ratio with / without.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crm.chat_tokens import mint
from crm.db import make_engine
from crm.demo.writer import seed_demo
from crm.migrate import upgrade
from crm.settings import Settings
from stack.environment import rasa_environment
from stack.paths import MODELS_DIR, PROJECT_ROOT, RASA_BIN
from stack.processes import ManagedProcess
from stack.servers import RASA_START_TIMEOUT, start_system
from stack.training import ensure_model

# An identified customer's conversation, answered from the store: their order, its arrival and
# invoice, their history, a product price, a complaint they decline to file, their machine's
# service date, an off-topic question. Nothing that changes the store or pauses the chat.
CONVERSATION = (
    "hi",
    "where is my order?",
    "when will it arrive",
    "can i get the invoice for it",
    "show me all my orders",
    "how much is the milk frother",
    "what payment methods do you accept",
    "my capsules arrived crushed",
    "no",
    "when is my machine due for a service",
    "not now",
    "what's the weather like tomorrow",
    "thanks!",
    "bye",
)


@dataclass(frozen=True)
class Figures:
    p50_ms: float
    p95_ms: float
    replies_per_s: float


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass(frozen=True)
class User:
    sender: str
    token: str | None  # a chat token for the assistant; the starter bot knows no customers


async def one_user(client: httpx.AsyncClient, url: str, user: User, out: list[float]) -> None:
    for message in CONVERSATION:
        body: dict[str, object] = {"sender": user.sender, "message": message}
        if user.token:
            body["metadata"] = {"token": user.token}
        started = time.perf_counter()
        response = await client.post(url, json=body)
        response.raise_for_status()
        out.append((time.perf_counter() - started) * 1000)


async def measure(url: str, users: Sequence[User]) -> Figures:
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=120) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one_user(client, url, user, latencies) for user in users))
        elapsed = time.perf_counter() - started
    return Figures(percentile(latencies, 0.5), percentile(latencies, 0.95), len(latencies) / elapsed)


def start_starter_bot(work: Path, port: int) -> ManagedProcess:
    print("[bench] training the `rasa init` starter bot ...", flush=True)
    work.mkdir(parents=True, exist_ok=True)  # `rasa init` refuses a folder that does not exist
    subprocess.run(
        [str(RASA_BIN), "init", "--no-prompt", "--init-dir", str(work)],
        env=rasa_environment(),
        check=True,
        capture_output=True,
    )
    model = next((work / "models").glob("*.tar.gz"))
    process = ManagedProcess(
        "starter",
        [str(RASA_BIN), "run", "--model", str(model), "--port", str(port), "--interface", "127.0.0.1"],
        env=rasa_environment(),
        cwd=work,
        echo=False,
    )
    process.wait_healthy(f"http://127.0.0.1:{port}/", RASA_START_TIMEOUT)
    return process


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--sequential", type=int, default=3, help="conversations one after another, one user")
    parser.add_argument(
        "--outcomes", action="store_true", help="with / without the outcome collector instead"
    )
    parser.add_argument("--port-base", type=int, default=5100, help="ports used: base+5, +55, +56, +105")
    args = parser.parse_args()
    base = args.port_base

    work = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    database_url = f"sqlite:///{work / 'crm.db'}"
    engine = make_engine(database_url, create_missing=True)
    upgrade(engine)
    now = datetime.now(UTC)
    seed_demo(engine, as_of=now, customers=2000, progress=False)
    engine.dispose()
    settings = Settings(
        database_url=database_url,
        tracker_store_url=f"sqlite:///{work / 'tracker.db'}",
        rasa_host="127.0.0.1",
        rasa_port=base + 5,
        action_port=base + 55,
        nlu_port=base + 56,
        rasa_auth_token="bench",
        chat_token_secret="bench-chat-token-secret-for-latency-runs",
    )
    model = ensure_model(PROJECT_ROOT / "config.yml", MODELS_DIR, "assistant")
    assistant = start_system(settings, "bench", lambda: model, echo=False, log_dir=work)
    starter: ManagedProcess | None = None
    try:
        if args.outcomes:
            measure_outcomes(args, work, settings, now)
            return
        starter = start_starter_bot(work / "starter", base + 105)
        urls = {
            "assistant": f"{settings.rasa_url}/webhooks/rest/webhook",
            "starter bot": f"http://127.0.0.1:{base + 105}/webhooks/rest/webhook",
        }
        customers = iter(range(2, 2000))
        secret = settings.chat_token_secret or ""

        def users(count: int, run: int, bot: str) -> list[User]:
            # Fresh conversations every time; the assistant's users are identified customers.
            chosen = [next(customers) for _ in range(count)]
            return [
                User(f"run{run}-{n}", mint(f"C{n:05d}", secret, now) if bot == "assistant" else None)
                for n in chosen
            ]

        for url in urls.values():  # first requests load lazily
            asyncio.run(measure(url, [User("warm-up", None)]))
        runs: list[dict[tuple[str, str], Figures]] = []
        for run in range(args.runs):
            results: dict[tuple[str, str], Figures] = {}
            order = list(urls.items()) if run % 2 == 0 else list(reversed(urls.items()))
            for name, url in order:
                sequential = [asyncio.run(measure(url, users(1, run, name))) for _ in range(args.sequential)]
                results[(name, "1 user")] = merge(sequential)
            for name, url in order:
                results[(name, f"{args.users} users")] = asyncio.run(
                    measure(url, users(args.users, run, name))
                )
            print_run(run + 1, results)
            runs.append(results)
        print_summary(runs, args.users)
    finally:
        if starter is not None:
            starter.stop()
        assistant.stop()


def measure_outcomes(args: argparse.Namespace, work: Path, settings: Settings, now: datetime) -> None:
    """The assistant's latency without and with the outcome collector beside it."""
    url = f"{settings.rasa_url}/webhooks/rest/webhook"
    secret = settings.chat_token_secret or ""
    customers = iter(range(2, 2000))

    def users(count: int, run: int, label: str) -> list[User]:
        return [
            User(f"{label}{run}-{n}", mint(f"C{n:05d}", secret, now))
            for n in (next(customers) for _ in range(count))
        ]

    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "RASA_TRACKER_STORE_URL": settings.tracker_store_url,
        "OUTCOMES_DATABASE_URL": f"sqlite:///{work / 'outcomes.db'}",
    }
    asyncio.run(measure(url, [User("warm-up", None)]))
    ratios: dict[str, list[float]] = {"1 user": [], f"{args.users} users": []}
    for run in range(args.runs):
        results: dict[str, dict[str, Figures]] = {"without": {}, "with": {}}
        order = ["without", "with"] if run % 2 == 0 else ["with", "without"]
        for mode in order:
            collector = None
            if mode == "with":
                command = [sys.executable, "-m", "outcomes", "collect", "--every", "1"]
                log = (work / "collector.log").open("a")
                collector = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=log)
                time.sleep(3)  # its imports, its first pass
            try:
                sequential = [asyncio.run(measure(url, users(1, run, mode))) for _ in range(args.sequential)]
                results[mode]["1 user"] = merge(sequential)
                results[mode][f"{args.users} users"] = asyncio.run(measure(url, users(args.users, run, mode)))
            finally:
                if collector is not None:
                    collector.terminate()
                    collector.wait(timeout=30)
        print(f"\nrun {run + 1}: assistant without / with the outcome collector (p50, p95 ms)")
        for load in ratios:
            a, b = results["without"][load], results["with"][load]
            ratios[load].append(b.p95_ms / a.p95_ms)
            print(
                f"  {load:<10} without {a.p50_ms:.0f} / {a.p95_ms:.0f}   with {b.p50_ms:.0f} / {b.p95_ms:.0f}"
                f"   p95 ratio {b.p95_ms / a.p95_ms:.2f}"
            )
    print("\np95 ratio with / without the outcome collector, median over runs")
    for load, values in ratios.items():
        print(
            f"  {load:<10} {', '.join(f'{v:.2f}' for v in values)}   median {statistics.median(values):.2f}"
        )


def merge(parts: Sequence[Figures]) -> Figures:
    """One user's conversations in a row: the medians of their figures."""
    return Figures(
        statistics.median(f.p50_ms for f in parts),
        statistics.median(f.p95_ms for f in parts),
        statistics.median(f.replies_per_s for f in parts),
    )


def print_run(run: int, results: dict[tuple[str, str], Figures]) -> None:
    print(f"\nrun {run}: REST round trips, {len(CONVERSATION)}-turn conversations")
    print(f"{'bot':<12} {'load':<10} {'p50 ms':>8} {'p95 ms':>8} {'replies/s':>10} {'p95 / starter':>14}")
    for (bot, load), figures in results.items():
        ratio = figures.p95_ms / results[("starter bot", load)].p95_ms
        print(
            f"{bot:<12} {load:<10} {figures.p50_ms:>8.0f} {figures.p95_ms:>8.0f} "
            f"{figures.replies_per_s:>10.1f} {ratio:>14.2f}"
        )


def print_summary(runs: list[dict[tuple[str, str], Figures]], users: int) -> None:
    print("\np95 ratio assistant / starter bot, per run and median (goals: 1 user <= 1.5, 20 users <= 1.3)")
    for load in ("1 user", f"{users} users"):
        ratios = [r[("assistant", load)].p95_ms / r[("starter bot", load)].p95_ms for r in runs]
        listed = ", ".join(f"{ratio:.2f}" for ratio in ratios)
        print(f"  {load:<10} {listed}   median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()

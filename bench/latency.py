"""REST round-trip latency of the assistant against a bare `rasa init` starter bot, in one run.

    .venv/bin/python bench/latency.py [--messages 200] [--users 20]

Both bots run on this machine at the same time as each other's baseline: the starter bot is
trained by `rasa init` into a temporary folder (its default pipeline, no custom actions); the
assistant runs as `make run` runs it (NLU service, action server, Rasa) on a seeded demo store.
Reports p50/p95 for one user sending `--messages` messages in a row, and for `--users`
concurrent users, and the ratio of the assistant's p95 to the starter bot's.
"""

from __future__ import annotations

import argparse
import asyncio
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

from crm.db import make_engine
from crm.demo.writer import seed_demo
from crm.migrate import upgrade
from crm.settings import Settings
from stack.environment import rasa_environment
from stack.paths import MODELS_DIR, PROJECT_ROOT, RASA_BIN
from stack.processes import ManagedProcess
from stack.servers import (
    RASA_START_TIMEOUT,
    start_action_server,
    start_nlu_service,
    start_rasa_server,
    wait_until_serving,
)
from stack.training import ensure_model

# A customer's everyday mix. Not "talk to a human": that pauses the conversation, after which
# Rasa predicts nothing and the rest of that user's round trips would be unrealistically short.
MESSAGES = (
    "hi",
    "where is my order?",
    "i want a refund for my last order",
    "when will my package arrive",
    "can I get my invoice",
    "what payment methods do you accept",
    "thanks!",
    "how do I reset my password",
    "what's the weather like tomorrow",
    "which capsules fit my coffee machine",
)


@dataclass(frozen=True)
class Figures:
    p50_ms: float
    p95_ms: float
    replies_per_s: float


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def one_user(client: httpx.AsyncClient, url: str, sender: str, count: int, out: list[float]) -> None:
    for i in range(count):
        started = time.perf_counter()
        response = await client.post(url, json={"sender": sender, "message": MESSAGES[i % len(MESSAGES)]})
        response.raise_for_status()
        out.append((time.perf_counter() - started) * 1000)


async def measure(url: str, users: int, per_user: int, senders: Sequence[str]) -> Figures:
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=60) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one_user(client, url, senders[u], per_user, latencies) for u in range(users)))
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
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--per-user", type=int, default=20, help="messages per concurrent user")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    database_url = f"sqlite:///{work / 'crm.db'}"
    engine = make_engine(database_url, create_missing=True)
    upgrade(engine)
    seed_demo(engine, as_of=datetime.now(UTC), customers=2000, progress=False)
    engine.dispose()
    settings = Settings(
        database_url=database_url,
        tracker_store_url=f"sqlite:///{work / 'tracker.db'}",
        rasa_host="127.0.0.1",
        rasa_port=5105,
        action_port=5155,
        nlu_port=5156,
        rasa_auth_token="bench",
    )
    model = ensure_model(PROJECT_ROOT / "config.yml", MODELS_DIR, "assistant")
    nlu = start_nlu_service(settings, echo=False, log_file=work / "nlu.log")
    actions = start_action_server(settings, echo=False, log_file=work / "actions.log")
    rasa = start_rasa_server(settings, model, "bench", echo=False, log_file=work / "rasa.log")
    processes = [nlu, actions, rasa]
    try:
        wait_until_serving(nlu, actions, rasa, settings)
        processes.append(start_starter_bot(work / "starter", 5205))
        # The concurrent users are other customers than the one who sent the long sequential run:
        # 20 new conversations, not 19 new ones plus one 200 turns long.
        sequential_sender = ["web-C00001"]
        senders = [f"web-C{n:05d}" for n in range(2, args.users + 2)]
        bots = {
            "assistant": f"{settings.rasa_url}/webhooks/rest/webhook",
            "starter bot": "http://127.0.0.1:5205/webhooks/rest/webhook",
        }
        results: dict[tuple[str, str], Figures] = {}
        for name, url in bots.items():
            asyncio.run(measure(url, 1, 10, ["web-warm-up"]))  # first requests load lazily
            results[(name, "1 user")] = asyncio.run(measure(url, 1, args.messages, sequential_sender))
            results[(name, f"{args.users} users")] = asyncio.run(
                measure(url, args.users, args.per_user, senders)
            )
        print_table(results, args)
    finally:
        for process in reversed(processes):
            process.stop()


def print_table(results: dict[tuple[str, str], Figures], args: argparse.Namespace) -> None:
    print(
        f"\nREST round trips ({args.messages} sequential; {args.users} users x {args.per_user} concurrent)\n"
    )
    print(f"{'bot':<12} {'load':<10} {'p50 ms':>8} {'p95 ms':>8} {'replies/s':>10} {'p95 / starter':>14}")
    for (bot, load), figures in results.items():
        ratio = figures.p95_ms / results[("starter bot", load)].p95_ms
        print(
            f"{bot:<12} {load:<10} {figures.p50_ms:>8.0f} {figures.p95_ms:>8.0f} "
            f"{figures.replies_per_s:>10.1f} {ratio:>14.2f}"
        )
    print(f"\nmedian of medians: {statistics.median(f.p50_ms for f in results.values()):.0f} ms")


if __name__ == "__main__":
    main()

"""Trains the Rasa model only when its inputs changed (Rasa's own check still costs a slow start)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from stack.environment import rasa_environment
from stack.paths import PROJECT_ROOT, RASA_BIN
from stack.processes import run_quietly

TRAINING_INPUTS = ("domain.yml", "data")


def fingerprint(config: Path, root: Path = PROJECT_ROOT) -> str:
    """A hash of everything that shapes the model: the config, the domain, the training data."""
    digest = hashlib.sha256()
    files = [config]
    for name in TRAINING_INPUTS:
        entry = root / name
        files.extend(sorted(entry.rglob("*")) if entry.is_dir() else [entry])
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() if path == config else str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_model(config: Path, out_dir: Path, name: str) -> Path:
    """The model trained from `config`, training it first when missing or out of date."""
    model = out_dir / f"{name}.tar.gz"
    stamp = out_dir / f"{name}.fingerprint"
    wanted = fingerprint(config)
    if model.exists() and stamp.exists() and stamp.read_text() == wanted:
        print(f"[train] {model.relative_to(PROJECT_ROOT)} is up to date", flush=True)
        return model
    print(
        f"[train] training {model.relative_to(PROJECT_ROOT)} with {config.name} (progress below) ...",
        flush=True,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(RASA_BIN), "train",
        "--config", str(config),
        "--domain", str(PROJECT_ROOT / "domain.yml"),
        "--data", str(PROJECT_ROOT / "data"),
        "--out", str(out_dir),
        "--fixed-model-name", name,
    ]  # fmt: skip
    stamp.unlink(missing_ok=True)
    run_quietly(command, cwd=PROJECT_ROOT, env=rasa_environment(), prefix="train")
    stamp.write_text(wanted)
    return model

"""The model is retrained exactly when the config, the domain or the training data change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stack.paths import PROJECT_ROOT
from stack.training import fingerprint


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(PROJECT_ROOT / "config.yml", tmp_path / "config.yml")
    shutil.copy(PROJECT_ROOT / "domain.yml", tmp_path / "domain.yml")
    shutil.copytree(PROJECT_ROOT / "data", tmp_path / "data")
    return tmp_path


def test_unchanged_inputs_keep_the_fingerprint(project: Path) -> None:
    before = fingerprint(project / "config.yml", project)
    (project / "data" / "nlu" / "shop" / "chitchat.yml").touch()

    assert fingerprint(project / "config.yml", project) == before


@pytest.mark.parametrize(
    "changed", ["config.yml", "domain.yml", "data/nlu/shop/orders.yml", "data/rules/new.yml"]
)
def test_any_training_input_change_changes_the_fingerprint(project: Path, changed: str) -> None:
    before = fingerprint(project / "config.yml", project)
    with (project / changed).open("a") as file:
        file.write("\n# edited\n")

    assert fingerprint(project / "config.yml", project) != before


def test_config_is_part_of_the_fingerprint(project: Path) -> None:
    other = project / "config.other.yml"
    other.write_text((project / "config.yml").read_text() + "\n# another configuration\n")

    assert fingerprint(project / "config.yml", project) != fingerprint(other, project)

"""How the console writes figures for people."""

from __future__ import annotations

import pytest

from console.app import duration


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(44.6, "45 s"), (59.4, "59 s"), (60, "1 min"), (720, "12 min"), (3600, "1 h"), (138300, "38 h 25 min"),
     (172800, "2 d"), (273600, "3 d 4 h")],
)  # fmt: skip
def test_waits_read_as_people_say_them(seconds: float, shown: str) -> None:
    assert duration(seconds) == shown

"""The amount a customer names for a refill, with or without a unit."""

from __future__ import annotations

import pytest

from dialogue.flows.reorder import quantity_in


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("make it 7 packs", 7),
        ("ya but just 2 this time", 2),
        ("only three", 3),
        ("4 instead", 4),
        ("remind me in just 2 days", None),
        ("yes please", None),
        ("only 2 eur?", None),
    ],
)
def test_the_amount_named(text: str, wanted: int | None) -> None:
    assert quantity_in(text) == wanted

"""A complaint's topic from the customer's own words: the first matching kind, words matched whole."""

from __future__ import annotations

import pytest

from crm.services.cases import GENERAL_TOPIC, topic_of


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("My capsules arrived crushed!", "damaged item"),
        ("my refund is late AGAIN", "refund delay"),
        ("parcel still hasnt arrived", "late delivery"),
        ("my coffee machine makes a horrible grinding noise", "product fault"),
        ("the vacuum rattles and smells like burning", "product fault"),
        ("printer shows an error and wont turn on", "product fault"),
        ("it stopped working after a week", "product not as expected"),
        ("it just doesnt suck properly", "product not as expected"),
        # "late" inside another word, "error" inside "terror": neither is a keyword.
        ("the chocolate ones taste awful", GENERAL_TOPIC),
        ("your prices are a terror", GENERAL_TOPIC),
    ],
)
def test_a_complaint_is_filed_under_what_the_customer_describes(text: str, topic: str) -> None:
    assert topic_of(text) == topic

"""Trigger definitions as data: audience JSON, templates and their placeholders, the rhythm rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm.models import Predictor, ProductKind
from proactive.predictors.replenishment import rhythm
from proactive.triggers import DEMO_TRIGGERS, Audience, TriggerError, check_template, parse_audience, render

T = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)


def test_the_audience_is_parsed_and_checked() -> None:
    audience = parse_audience(
        '{"countries": ["Germany"], "min_orders": 2, "product_ids": [3, 4], "kinds": ["consumable"],'
        ' "customer_refs": ["C00001"], "min_confidence": 0.5}'
    )
    assert audience == Audience(
        countries=frozenset({"Germany"}),
        min_orders=2,
        product_ids=frozenset({3, 4}),
        kinds=frozenset({ProductKind.CONSUMABLE}),
        customer_refs=frozenset({"C00001"}),
        min_confidence=0.5,
    )
    assert parse_audience("{}") == Audience()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"country": ["Germany"]}', "unknown key(s) country"),
        ('{"min_orders": -1}', "min_orders must be a whole number"),
        ('{"min_orders": "2"}', "min_orders must be a whole number"),
        ('{"product_ids": ["12"]}', "product_ids must be a list of integers"),
        ('{"kinds": ["gadget"]}', "kinds must be among"),
        ('{"countries": "Germany"}', "countries must be a list"),
        ('{"min_confidence": 2}', "min_confidence must be a number in 0..1"),
        ("[1, 2]", "must be a JSON object"),
        ("{countries: 1}", "not valid JSON"),
    ],
)
def test_a_bad_audience_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(TriggerError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_audience(text)


def test_an_unknown_placeholder_is_refused_with_the_known_ones() -> None:
    with pytest.raises(
        TriggerError, match=r"unknown placeholder\(s\) \{serial\} for a replenishment"
    ) as error:
        check_template("Your {product} with serial {serial}", Predictor.REPLENISHMENT)
    assert "{usual_days}" in str(error.value)
    with pytest.raises(TriggerError, match="literal brace"):
        check_template("Your {product", Predictor.REPLENISHMENT)
    check_template("Your {device} ({serial}) is due on {due_date}", Predictor.MAINTENANCE)


def test_rendering_says_why_and_refuses_a_missing_value() -> None:
    text = render(
        "Your {product} was fitted {days_since} days ago; filters last about {usual_days} days",
        {"product": "water filter", "days_since": 88, "usual_days": 90},
    )
    assert text == "Your water filter was fitted 88 days ago; filters last about 90 days"
    with pytest.raises(TriggerError, match=r"no value for \{last_service\}"):
        render("Serviced on {last_service}", {"last_service": None})


def test_the_demo_triggers_are_valid_and_categorised() -> None:
    for definition in DEMO_TRIGGERS:
        check_template(definition["template"], definition["predictor"])
    categories = {d["predictor"]: d["category"].value for d in DEMO_TRIGGERS}
    assert categories == {
        Predictor.REPLENISHMENT: "marketing",
        Predictor.MAINTENANCE: "service",
        Predictor.DELIVERY_RISK: "service",
    }


def test_one_purchase_runs_out_on_the_products_rhythm() -> None:
    found = rhythm([(T, 2)], typical_days_per_unit=25)
    assert found.run_out_at == T + timedelta(days=50)
    assert (found.own_days_per_unit, found.confidence) == (None, 0.3)


def test_six_steady_purchases_mostly_trust_the_customer() -> None:
    purchases = [(T + timedelta(days=30 * i), 1) for i in range(6)]
    found = rhythm(purchases, typical_days_per_unit=25)
    # Weight 5/7 on the customer's own 30 days, 2/7 on the product's 25, on the log scale (the
    # backtested estimator): 30^(5/7) x 25^(2/7) days per pack.
    usual = 30 ** (5 / 7) * 25 ** (2 / 7)
    assert found.days_per_unit == pytest.approx(usual)
    assert abs(found.run_out_at - (T + timedelta(days=150 + usual))) < timedelta(seconds=1)
    assert found.confidence == pytest.approx(0.8)
    two = rhythm(purchases[:2], typical_days_per_unit=25)
    assert two.days_per_unit == pytest.approx(
        30 ** (1 / 3) * 25 ** (2 / 3)
    )  # weight 1/3: closer to the product
    assert two.confidence < found.confidence


def test_packs_bought_set_the_pace_and_same_day_orders_are_one_purchase() -> None:
    # Two packs lasted 60 days: 30 days a pack; a second order the same evening adds a pack.
    found = rhythm([(T, 2), (T + timedelta(days=60), 1), (T + timedelta(days=60, hours=2), 1)], 30)
    assert (found.purchases, found.last_quantity) == (2, 2)
    assert found.days_per_unit == pytest.approx(30)
    assert abs(found.run_out_at - (T + timedelta(days=120))) < timedelta(seconds=1)


def test_an_erratic_rhythm_earns_less_confidence() -> None:
    steady = rhythm([(T + timedelta(days=d), 1) for d in (0, 30, 60, 90)], 30)
    erratic = rhythm([(T + timedelta(days=d), 1) for d in (0, 5, 60, 90)], 30)
    assert erratic.confidence < steady.confidence

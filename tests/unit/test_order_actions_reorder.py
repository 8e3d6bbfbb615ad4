"""Placing orders and reordering the usual consumable: the offer, the yes and the no."""

from __future__ import annotations

from rasa_sdk.events import SlotSet
from sqlalchemy import Engine

from actions.replenishment import ActionGuidePlaceOrder, ActionOfferReorder, ActionSubmitReorder
from crm.models import Channel, OrderStatus
from crm.services.customers import identify_customer
from crm.services.orders import order_status
from crm.uow import UnitOfWork
from tests.trackers import user_turn
from tests.unit.test_order_actions_shop import NOW, order_shop, run, store_gone, texts

__all__ = ["order_shop", "store_gone"]  # fixtures, imported for pytest

CLEARED = [
    SlotSet("reorder_offered", None),
    SlotSet("confirm_reorder", None),
    SlotSet("reorder_product_id", None),
    SlotSet("reorder_quantity", None),
    SlotSet("reorder_item", None),
    SlotSet("reorder_total", None),
]


def test_offer_is_the_most_bought_consumable_in_the_last_quantity(order_shop: str) -> None:
    events, messages = run(ActionOfferReorder(), user_turn("web-anna", "reorder my usual", "reorder_usual"))

    assert events == [
        SlotSet("reorder_offered", True),
        SlotSet("reorder_product_id", 1.0),
        SlotSet("reorder_quantity", 2.0),
        SlotSet("reorder_item", "2 x Espresso capsules, 50"),
        SlotSet("reorder_total", "35.00 EUR"),
        SlotSet("confirm_reorder", None),
    ]
    assert messages == []  # the form's question shows the offer


def test_no_offer_for_a_visitor(order_shop: str) -> None:
    events, messages = run(ActionOfferReorder(), user_turn("visitor-1", "reorder my usual", "reorder_usual"))

    assert events == [SlotSet("reorder_offered", False)]
    assert texts(messages) == ["utter_place_order_steps", "utter_ask_identify"]


def test_no_offer_with_the_store_down(store_gone: None) -> None:
    events, messages = run(ActionOfferReorder(), user_turn("web-anna", "reorder my usual", "reorder_usual"))

    assert events == [SlotSet("reorder_offered", False)]
    assert texts(messages) == ["utter_store_unavailable"]


def _submit(confirmed: bool) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    slots = {"reorder_product_id": 1.0, "reorder_quantity": 2.0, "confirm_reorder": confirmed}
    return run(ActionSubmitReorder(), user_turn("web-anna", "yes", "affirm", slots=slots))


def test_yes_places_a_new_unpaid_order_with_the_next_number(order_shop: str, store: Engine) -> None:
    events, messages = _submit(True)

    assert events == CLEARED
    assert texts(messages) == [
        "Done! I've placed order 2000014: 2 x Espresso capsules, 50, 35.00 EUR. It ships as soon as it's "
        "paid: "
        "find it in your account under Orders → 2000014 → Pay now."
    ]
    uow = UnitOfWork.for_engine(store)
    latest = order_status(uow, identify_customer(uow, Channel.WEB, "web-anna").id)
    assert (latest.number, latest.status, latest.placed_at) == ("2000014", OrderStatus.PLACED, NOW)


def test_no_orders_nothing(order_shop: str, store: Engine) -> None:
    events, messages = _submit(False)

    assert events == CLEARED
    assert texts(messages) == ["utter_reorder_declined"]
    uow = UnitOfWork.for_engine(store)
    assert order_status(uow, identify_customer(uow, Channel.WEB, "web-anna").id).number == "2000004"


def test_place_order_steps_suggest_the_usual(order_shop: str) -> None:
    events, messages = run(ActionGuidePlaceOrder(), user_turn("web-anna", "how do I order", "place_order"))

    assert events == []
    assert texts(messages) == [
        "utter_place_order_steps",
        'Tip: your usual is 2 x Espresso capsules, 50 (35.00 EUR). Say "reorder my usual" and I\'ll order '
        "it for you.",
    ]


def test_place_order_steps_for_a_visitor(order_shop: str) -> None:
    _, messages = run(ActionGuidePlaceOrder(), user_turn("visitor-1", "how do I order", "place_order"))

    assert texts(messages) == ["utter_place_order_steps"]

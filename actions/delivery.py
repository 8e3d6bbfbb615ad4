"""Delivery questions: when will it arrive, how can it be sent, can the address still change."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import orders
from actions.base import for_customer
from actions.orders import day_text, named_order
from crm.services.delivery import (
    DEFAULT_ABROAD_TRANSIT,
    DELIVERY_OPTIONS,
    OVERSEAS,
    SHIP_WITHIN_WORKING_DAYS,
    TRANSIT_DAYS,
    WAREHOUSE_COUNTRY,
    DeliveryEstimate,
    DeliveryState,
    address_change_options,
    delivery_estimate,
)

log = logging.getLogger(__name__)


def general_delivery_period() -> str:
    """The answer anyone gets: shipping time plus transit, from the same table the estimates use."""
    home = TRANSIT_DAYS[WAREHOUSE_COUNTRY]
    europe = [days for country, days in TRANSIT_DAYS.items() if country not in OVERSEAS]
    europe_range = (min(d[0] for d in europe), max(d[1] for d in europe))
    return (
        f"Paid orders leave our warehouse in {WAREHOUSE_COUNTRY} "
        f"within {SHIP_WITHIN_WORKING_DAYS} working day. "
        f"Delivery then takes {home[0]}-{home[1]} working days in {WAREHOUSE_COUNTRY}, about "
        f"{europe_range[0]}-{europe_range[1]} elsewhere in Europe and the UK, "
        f"and {DEFAULT_ABROAD_TRANSIT[0]}-{DEFAULT_ABROAD_TRANSIT[1]} further away."
    )


def describe_estimate(estimate: DeliveryEstimate) -> str:
    number, (fastest, slowest) = estimate.number, estimate.transit_days
    transit = f"{fastest}-{slowest} working days to {estimate.ship_country}"
    tracking = (
        f" with {estimate.carrier}, tracking number {estimate.tracking_number}" if estimate.carrier else ""
    )
    window = ""
    if estimate.earliest and estimate.latest:
        window = (
            f"on {day_text(estimate.latest)}"
            if estimate.earliest >= estimate.latest
            else f"between {day_text(estimate.earliest)} and {day_text(estimate.latest)}"
        )
    match estimate.state:
        case DeliveryState.AWAITING_PAYMENT:
            return (
                f"Your order {number} isn't paid yet. Once the payment "
                f"arrives it leaves our warehouse within "
                f"{SHIP_WITHIN_WORKING_DAYS} working day and takes {transit}."
            )
        case DeliveryState.PREPARING:
            return f"Your order {number} is paid and being packed. Expect it {window}."
        case DeliveryState.IN_TRANSIT:
            return f"Your order {number} is on its way{tracking}. Expect it {window}."
        case DeliveryState.LATE:
            promised = day_text(estimate.latest) if estimate.latest else "an earlier day"
            return (
                f"I'm sorry: your order {number} was promised for "
                f"{promised} and is running late. It is on its "
                f"way{tracking}; parcels usually take {transit}. If you "
                f"like, a colleague can chase the carrier "
                "for you: just ask for a person."
            )
        case DeliveryState.DELIVERED:
            when = f" on {day_text(estimate.delivered_on)}" if estimate.delivered_on else ""
            return f"Your order {number} was delivered{when}."
    return f"Your order {number} was cancelled or sent back, so nothing is on its way for it."


class ActionEstimateDelivery(Action):
    """How long delivery takes, for the customer's latest (or named) order and its destination."""

    def name(self) -> str:
        return "action_estimate_delivery"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        number = named_order(tracker)
        general = {"text": general_delivery_period()}
        found = for_customer(
            dispatcher,
            tracker,
            lambda uow, customer: delivery_estimate(uow, customer.id, number, orders.utc_now()),
            log=log,
            failure="delivery estimate unavailable for sender %s",
            visitor=[general],
            number=number,
            missing=[general],
        )
        if found is not None:
            dispatcher.utter_message(text=describe_estimate(found[1]))
        return []


class ActionListDeliveryOptions(Action):
    """The shop's delivery options, from the one table the shop maintains."""

    def name(self) -> str:
        return "action_list_delivery_options"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        lines = [f"- {o.name}: {o.working_days} working days, {o.price} ({o.note})" for o in DELIVERY_OPTIONS]
        dispatcher.utter_message(text="We deliver in these ways:\n" + "\n".join(lines))
        return []


class ActionAdviseShippingAddress(Action):
    """How to set or change the address, and which of the customer's orders can still be re-addressed."""

    def name(self) -> str:
        return "action_advise_shipping_address"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_shipping_address_steps")
        found = for_customer(
            dispatcher,
            tracker,
            lambda uow, customer: address_change_options(uow, customer.id),
            log=log,
            failure="address options unavailable for sender %s",
            visitor=[{"response": "utter_address_change_identify"}],
        )
        if found is None:
            return []
        options = found[1]
        # Order numbers only: an address is never read back in chat.
        for number in options.changeable_orders:
            dispatcher.utter_message(
                text=f"Your order {number} hasn't shipped yet, so its delivery address can still be changed: "
                f'say "change order {number}" and tell me the new address, and our warehouse team updates '
                "it before packing."
            )
        for number in options.shipped_orders:
            dispatcher.utter_message(
                text=f"Your order {number} has already shipped, so its address can't be changed any more; "
                "the carrier's tracking page may let you redirect it."
            )
        return []

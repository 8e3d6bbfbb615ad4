"""Device care: when the next service is due, warranty, and booking a service."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import support
from actions.base import for_customer
from actions.identity import channel_of
from crm.services.customers import CustomerView
from crm.services.devices import DeviceServiceView, NoDevice, book_service, service_status
from crm.uow import UnitOfWork

log = logging.getLogger(__name__)


def _date(day: date) -> str:
    return day.strftime("%-d %b %Y")


def due_phrase(view: DeviceServiceView, today: date) -> str:
    days = view.days_until_service(today)
    if view.next_service_on is None or days is None:
        return "needs no scheduled service"
    when = _date(view.next_service_on)
    if days < 0:
        return f"was due for its service on {when}, {-days} day{'s' if days != -1 else ''} ago (overdue)"
    if days == 0:
        return f"is due for its service today ({when})"
    return f"is due for its service on {when}, in {days} day{'s' if days != 1 else ''}"


def describe_device(view: DeviceServiceView, today: date) -> str:
    warranty = (
        f"under warranty until {_date(view.warranty_ends_on)}"
        if view.warranty_ends_on >= today
        else f"warranty ended on {_date(view.warranty_ends_on)}"
    )
    return f"Your {view.name} (serial {view.serial}) {due_phrase(view, today)}; {warranty}."


def _devices(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> tuple[CustomerView, tuple[DeviceServiceView, ...]] | None:
    return for_customer(
        dispatcher,
        tracker,
        lambda uow, customer: service_status(uow, customer.id),
        log=log,
        failure="devices unavailable for sender %s",
        visitor=[{"response": "utter_service_visitor"}],
    )


class ActionReportServiceDue(Action):
    """Next service date = (last service or purchase) + the model's service interval."""

    def name(self) -> str:
        return "action_report_service_due"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        found = _devices(dispatcher, tracker)
        if found is None:
            return []
        customer, devices = found
        if not devices:
            dispatcher.utter_message(response="utter_no_devices")
            return []
        today = support.utc_now().astimezone(ZoneInfo(customer.time_zone)).date()
        dispatcher.utter_message(text=" ".join(describe_device(view, today) for view in devices))
        return []


class ActionOfferServiceBooking(Action):
    """Proposes booking the service that is due soonest; the confirmation question follows by rule."""

    def name(self) -> str:
        return "action_offer_service_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        found = _devices(dispatcher, tracker)
        if found is None:
            return [support.followup(None)]
        customer, devices = found
        due = next((view for view in devices if view.next_service_on), None)
        if due is None:
            dispatcher.utter_message(
                response="utter_no_serviceable_device" if devices else "utter_no_devices"
            )
            return [support.followup(None)]
        today = support.utc_now().astimezone(ZoneInfo(customer.time_zone)).date()
        price = f" The {due.service_name} costs €{due.service_price}." if due.service_name else ""
        dispatcher.utter_message(text=f"Your {due.name} {due_phrase(due, today)}.{price}")
        return [SlotSet("service_device", due.serial), support.followup("confirm_service")]


class ActionBookService(Action):
    """Opens the service team's case for the offered device: they agree the date with the customer."""

    def name(self) -> str:
        return "action_book_service"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        reset = [SlotSet("service_device", None), support.followup(None)]
        serial = tracker.get_slot("service_device")

        def book(uow: UnitOfWork, customer: CustomerView) -> tuple[str, str]:
            if not serial:
                raise NoDevice("none offered")
            devices = {view.serial: view for view in service_status(uow, customer.id)}
            case = book_service(
                uow, customer.id, serial, support.utc_now(), tracker.sender_id, channel_of(tracker)
            )
            return devices[serial].name, case.number

        try:
            found = for_customer(
                dispatcher, tracker, book, log=log, failure="service not booked for sender %s"
            )
        except NoDevice:
            dispatcher.utter_message(response="utter_no_serviceable_device")
            return reset
        if found is None:
            return reset
        device, case_number = found[1]
        dispatcher.utter_message(response="utter_service_booked", device=device, case_number=case_number)
        return reset

"""Devices the customer owns: when they are due for service, booking it, and the warranty."""

from __future__ import annotations

import re

from crm.services.catalog import match_products
from crm.services.devices import DeviceServiceView, NoDevice, book_service, service_status
from dialogue.answers import Answer, classify, pick
from dialogue.conversation import Conversation, Who, yes_no_buttons
from dialogue.flows.common import who_or_identify
from dialogue.registry import handles, resumes
from dialogue.state import Pending
from dialogue.texts import NOTHING_CHANGED, long_day, money
from dialogue.turn import Turn

FLOW = "service"
_WISH = re.compile(
    r"\b(?:next (?:week|month|monday|tuesday|wednesday|thursday|friday|saturday)|tomorrow|this week|"
    r"on (?:mon|tues|wednes|thurs|fri|satur)day|(?:mon|tues|wednes|thurs|fri|satur)days?|"
    r"mornings?|afternoons?|"
    r"evenings?|after \d{1,2}(?::\d{2})?\s*(?:am|pm)?|before \d{1,2}(?::\d{2})?\s*(?:am|pm)?|in "
    r"(?:two|2|three|3) weeks|"
    r"early (?:january|february|march|april|may|june|july|august|september|october|november|december)|"
    r"(?:in|end of|mid) "
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)|"
    # "after the 10th of december", "from the 3rd", "before dec 12"
    r"(?:after|before|from|on|by|around) (?:the )?\d{1,2}(?:st|nd|rd|th)?"
    r"(?: of)?(?: (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)?|"
    r"(?:after|before|from|on|by|around) (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{1,2}"
    r"(?:st|nd|rd|th)?)\b"
)


def wish_in(turn: Turn) -> str | None:
    """When the customer would like it ("next week", "a morning"), as they said it."""
    found = _WISH.findall(turn.text.lower())
    if found:
        return ", ".join(dict.fromkeys(found))
    return turn.when


@handles("ask_service_due")
def service_due(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn, account=True)
    if who is None:
        return
    devices = [d for d in service_status(conversation.uow(), who.customer_id) if d.next_service_on]
    if not devices:
        conversation.say("None of your registered devices needs a scheduled service.")
        return
    device = _named(conversation, turn, devices) or devices[0]
    conversation.say(_due_text(conversation, who, device))
    others = [d for d in devices if d.serial != device.serial]
    if others and _named(conversation, turn, devices) is None:
        conversation.say("Also: " + " ".join(_due_text(conversation, who, d) for d in others[:2]))
    _offer(conversation, device, None, soft=True)


@handles("book_service")
def book(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn, account=True)
    if who is None:
        return
    devices = [d for d in service_status(conversation.uow(), who.customer_id) if d.next_service_on]
    if not devices:
        conversation.say(
            "None of your registered devices needs a scheduled service, so there's nothing to book."
        )
        return
    device = _named(conversation, turn, devices) or _focused(conversation, devices)
    if device is None and len(devices) > 1:
        conversation.ask(
            FLOW,
            "which",
            "Which device should be serviced?",
            [{"title": d.name, "payload": f'/choose{{"choice":"{d.serial}"}}'} for d in devices[:4]],
            data={
                "options": [d.serial for d in devices[:4]],
                "wish": wish_in(turn),
                "leaving": "the service booking",
            },
        )
        return
    _offer(conversation, device or devices[0], wish_in(turn))


@handles("ask_warranty")
def warranty(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn, account=True)
    if who is None:
        return
    devices = list(service_status(conversation.uow(), who.customer_id))
    if not devices:
        conversation.say(
            "I don't see a registered device on your account. Devices bought from us are registered "
            "automatically; tell me if one is missing."
        )
        return
    named = _named(conversation, turn, devices) or _focused(conversation, devices)
    chosen = [named] if named else devices
    conversation.state.focus.device = chosen[0].serial  # "book it in" next means this one
    if len(chosen) == 1:
        # "it leaks" next is a problem with this device (engine.in_context).
        focus = conversation.state.focus
        focus.product_id, focus.product, focus.topic = chosen[0].product_id, chosen[0].name, "warranty"
    today = conversation.today(who)
    lines = []
    for d in chosen[:3]:
        state = "is under warranty until" if d.warranty_ends_on >= today else "was under warranty until"
        lines.append(
            f"Your {d.name} (bought {long_day(d.purchased_on)}) {state} {long_day(d.warranty_ends_on)}."
        )
    conversation.say(
        " ".join(lines) + " Repairs under warranty are free: tell me what's wrong and I'll open a case."
    )


def _due_text(conversation: Conversation, who: Who, device: DeviceServiceView) -> str:
    today = conversation.today(who)
    days = device.days_until_service(today) or 0
    when = long_day(device.next_service_on) if device.next_service_on else "?"
    basis = (
        f"last serviced on {long_day(device.last_service_on)}"
        if device.last_service_on
        else f"bought on {long_day(device.purchased_on)}"
    )
    if days < 0:
        return f"Your {device.name} ({basis}) was due for its service on {when}: it's overdue."
    if days == 0:
        return f"Your {device.name} ({basis}) is due for its service today."
    return f"Your {device.name} ({basis}) is due for its service on {when}, in {days} days."


def _offer(
    conversation: Conversation, device: DeviceServiceView, wish: str | None, *, soft: bool = False
) -> None:
    conversation.state.focus.device = device.serial
    price = (
        f" ({device.service_name}, {money(device.service_price, 'EUR')})"
        if device.service_price and device.service_name
        else ""
    )
    (conversation.offer if soft else conversation.ask)(
        FLOW,
        "offer",
        f"Shall I ask our service team to book the service{price} for your {device.name}"
        + (f", {wish}" if wish else "")
        + "? They contact you within 2 working days to agree a date; nothing is charged until you confirm "
        "it.",
        yes_no_buttons("Yes, book it", "No, not now"),
        data={"serial": device.serial, "device": device.name, "wish": wish, "leaving": "the service booking"},
    )


@resumes(FLOW)
def resume(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    who = conversation.who()
    if who is None or not who.has_account_access:
        return False
    if pending.step == "which":
        devices = [d for d in service_status(conversation.uow(), who.customer_id) if d.next_service_on]
        serial = pick(turn, [str(o) for o in pending.data.get("options") or []])
        device = next((d for d in devices if d.serial == serial), None) or _named(conversation, turn, devices)
        if device is None:
            return False
        _offer(conversation, device, pending.data.get("wish") or wish_in(turn))
        return True
    answer = classify(turn)
    if answer is Answer.YES or turn.intent == "book_service":
        wish = wish_in(turn) or pending.data.get("wish")
        conversation.done()
        try:
            case = book_service(
                conversation.uow(),
                who.customer_id,
                str(pending.data["serial"]),
                conversation.now,
                preferred_time=wish,
                conversation_id=conversation.ctx.conversation_id,
                channel=conversation.ctx.channel,
            )
        except NoDevice:
            conversation.say("That device doesn't need a scheduled service, so there's nothing to book.")
            return True
        conversation.state.focus.case = case.number
        conversation.changed("case", f"the service booking {case.number}", case=case.number)
        timing = f" I've noted that you'd like it {wish}." if wish else ""
        conversation.say(
            f"Done: I've asked our service team to book the service for your {pending.data['device']} (case "
            f"{case.number})."
            f"{timing} They'll contact you within 2 working days to agree a date; nothing is charged until "
            "you confirm."
        )
        return True
    if answer in (Answer.NO, Answer.NOT_NOW):
        conversation.done()
        conversation.say(f"{NOTHING_CHANGED} Just ask whenever you'd like to book it.")
        return True
    if answer is Answer.LATER:
        conversation.done()
        conversation.say("Sure, no booking for now. Ask me any time and I'll book it then.")
        return True
    return False


def _named(
    conversation: Conversation, turn: Turn, devices: list[DeviceServiceView]
) -> DeviceServiceView | None:
    """The customer's device the message names ("my coffee machine"), among the ones they own."""
    found = match_products(conversation.uow(), turn.text, among=[d.product_id for d in devices], limit=1)
    return next((d for d in devices if found and d.product_id == found[0].id), None)


def _focused(conversation: Conversation, devices: list[DeviceServiceView]) -> DeviceServiceView | None:
    serial = conversation.state.focus.device
    return next((d for d in devices if d.serial == serial), None) if serial else None

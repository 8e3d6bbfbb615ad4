"""Invoices: the numbers, dates and amounts of the order meant, and corrections of a wrong one."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from crm.models import CaseKind
from crm.services.cases import open_case
from crm.services.invoices import order_invoices, order_of_invoice
from dialogue.answers import Answer, classify, plain_yes
from dialogue.conversation import Conversation, yes_no_buttons
from dialogue.flows.common import order_or_latest, who_or_identify
from dialogue.registry import handles, resumes
from dialogue.state import Pending
from dialogue.texts import NOTHING_CHANGED, long_day, money
from dialogue.turn import Turn

CORRECTION = "invoice_correction"
_BY_EMAIL = re.compile(r"\b(?:e-?mail|send|mail|forward)\b")
_WHAT_IS_WRONG = re.compile(
    r"\b(?:name|company|vat|tax|address|amount|total|price|wrong|incorrect|missing|spelled|spelt|typo|business)\b"
)


@handles("check_invoice", "get_invoice")
def invoice(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn)
    if who is None:
        return
    named_invoice = turn.entity("invoice_number")
    if named_invoice and not turn.order_number:
        number = order_of_invoice(conversation.uow(), who.customer_id, named_invoice)
        if number is None:
            conversation.say(
                f"I couldn't find an invoice {named_invoice.upper()} on your account. Could you check it?"
            )
            return
        turn = replace(turn, entities={**turn.entities, "order_number": [number]})
    view = order_or_latest(conversation, turn, who)
    if view is None:
        return
    invoices = order_invoices(conversation.uow(), who.customer_id, view.number)
    conversation.state.focus.topic = "invoice"
    zone = conversation.zone(who)
    if not invoices.invoices:
        conversation.say(
            f"Order {view.number} has no invoice yet: invoices are issued when an order is paid, and it is "
            f"{invoices.order_status.value}."
        )
        return
    listed = "; ".join(
        f"{i.number} of {long_day(i.issued_at.astimezone(zone).date())}, {money(i.amount, invoices.currency)}"
        for i in invoices.invoices
    )
    conversation.say(
        f"The invoice for order {view.number}: {listed}. Download it as a PDF in your account under "
        f"Orders > {view.number} > Invoice."
    )
    if _BY_EMAIL.search(turn.words) and who.has_account_access:
        conversation.say(
            "I can't send emails from this chat, sorry: the PDF in your account is the same document we "
            "emailed "
            "when you paid. Your contact settings stay as they are."
        )


@handles("invoice_correction")
def correction(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn)
    if who is None:
        return
    view = order_or_latest(conversation, turn, who)
    if view is None:
        return
    data = {"order": view.number, "leaving": "the invoice correction"}
    if _WHAT_IS_WRONG.search(turn.words) and len(turn.words.split()) >= 5:
        _confirm(conversation, {**data, "details": turn.text.strip()})
        return
    conversation.ask(
        CORRECTION,
        "what",
        f"Sorry about that. What needs correcting on the invoice for order {view.number} (for example the "
        "company "
        "name, the VAT number, the billing address), and what should it say?",
        data={**data, "free_text": True},
    )


def _confirm(conversation: Conversation, data: dict[str, Any]) -> None:
    conversation.ask(
        CORRECTION,
        "confirm",
        f"Shall I ask our billing team to correct the invoice for order {data['order']}: "
        f'"{data["details"]}"? '
        "They send the corrected invoice by email within two working days.",
        yes_no_buttons("Yes, please", "No"),
        data=data,
    )


@resumes(CORRECTION)
def resume(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    who = conversation.who()
    if who is None:
        return False
    data = dict(pending.data)
    if pending.step == "what":
        if turn.is_button or (classify(turn) in (Answer.YES, Answer.NO) and len(turn.words.split()) < 3):
            return False
        _confirm(conversation, {**data, "details": turn.text.strip(), "free_text": False})
        return True
    if plain_yes(turn):
        conversation.done()
        case = open_case(
            conversation.uow(),
            who.customer_id,
            CaseKind.BILLING,
            "invoice correction",
            f"Please correct the invoice for order {data['order']}: {data['details']}",
            conversation.now,
            order_number=str(data["order"]),
            conversation_id=conversation.ctx.conversation_id,
            channel=conversation.ctx.channel,
        )
        conversation.state.focus.case = case.number
        if not case.reused:
            conversation.changed("case", f"the invoice correction {case.number}", case=case.number)
        conversation.say(
            f"Done: case {case.number}. Our billing team will email the corrected invoice for order "
            f"{data['order']} "
            "within two working days."
        )
        return True
    if classify(turn) in (Answer.NO, Answer.NOT_NOW):
        conversation.done()
        conversation.say(NOTHING_CHANGED)
        return True
    return False

"""Reordering what the customer uses up: the usual product and quantity, ordered only once confirmed."""

from __future__ import annotations

import re

from crm.services.catalog import match_products
from crm.services.replenishment import (
    MAX_REORDER_QUANTITY,
    ReorderRefused,
    UsualConsumable,
    reorder,
    usual_consumables,
)
from dialogue.answers import Answer, classify, pick, plain_yes
from dialogue.conversation import Conversation, Who, yes_no_buttons
from dialogue.flows.common import who_or_identify
from dialogue.registry import handles, resumes
from dialogue.state import Pending
from dialogue.texts import money
from dialogue.turn import Turn

FLOW = "reorder"
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10, "a couple of": 2}
_QUANTITY = re.compile(
    r"\b(\d{1,2}|one|two|three|four|five|six|ten)\s*(?:x\s*)?(?:packs?|boxes|box|bags?|sets?|pieces?|of "
    r"them|units?|cartridges?|kg)\b"
)


@handles("reorder_usual")
def reorder_usual(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn, account=True)
    if who is None:
        return
    usual = usual_consumables(conversation.uow(), who.customer_id)
    if not usual:
        conversation.say(
            "I don't see capsules, filters or other supplies you buy regularly yet, so there's nothing to "
            "reorder. "
            "You can order anything on our website: pick the product, add it to the basket and check out."
        )
        return
    item = _named(conversation, turn, usual) or usual[0]
    if len(usual) > 1 and _named(conversation, turn, usual) is None and not _generic_usual(turn):
        conversation.ask(
            FLOW,
            "which",
            "Which would you like to reorder?",
            [{"title": u.name, "payload": f'/choose{{"choice":"{u.product_id}"}}'} for u in usual[:4]],
            data={"options": [str(u.product_id) for u in usual[:4]], "leaving": "the reorder"},
        )
        return
    _confirm(conversation, item, quantity_in(turn.text) or item.last_quantity)


def _confirm(conversation: Conversation, item: UsualConsumable, quantity: int) -> None:
    conversation.state.focus.product_id, conversation.state.focus.product = item.product_id, item.name
    total = money(item.unit_price * quantity, item.currency)
    conversation.ask(
        FLOW,
        "confirm",
        f"Shall I order {quantity} x {item.name} again for {total} (today's price), delivered where your "
        "last "
        "order went? You pay when it's placed, as usual.",
        yes_no_buttons("Yes, order it", "No, thanks"),
        data={"product_id": item.product_id, "quantity": quantity, "leaving": "the reorder"},
    )


@resumes(FLOW)
def resume(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    who = conversation.who()
    if who is None or not who.has_account_access:
        return False
    usual = usual_consumables(conversation.uow(), who.customer_id)
    by_id = {u.product_id: u for u in usual}
    if pending.step == "which":
        chosen = pick(turn, [str(o) for o in pending.data.get("options") or []])
        item = by_id.get(int(chosen)) if chosen else _named(conversation, turn, usual)
        if item is None:
            return False
        _confirm(conversation, item, quantity_in(turn.text) or item.last_quantity)
        return True
    item = by_id.get(int(pending.data["product_id"]))
    if item is None:
        conversation.done()
        return False
    quantity = quantity_in(turn.text)
    if quantity and quantity != pending.data.get("quantity"):
        _confirm(conversation, item, quantity)  # "make it 3 packs": confirm the new amount
        return True
    if plain_yes(turn):
        _place(conversation, who, item, int(pending.data["quantity"]))
        return True
    if classify(turn) in (Answer.NO, Answer.NOT_NOW, Answer.LATER):
        conversation.done()
        conversation.say("OK, I haven't ordered anything. Just ask whenever you need a refill.")
        return True
    return False


def _place(conversation: Conversation, who: Who, item: UsualConsumable, quantity: int) -> None:
    conversation.done()
    try:
        result = reorder(conversation.uow(), who.customer_id, item.product_id, quantity, conversation.now)
    except ReorderRefused:
        conversation.say(
            f"Sorry, I can't order {quantity} of those in chat (1 to {MAX_REORDER_QUANTITY} at a time)."
        )
        return
    conversation.state.focus.order = result.number
    conversation.changed("reorder", f"the new order {result.number}", order=result.number)
    conversation.say(
        f"Done! I've placed order {result.number}: {result.item}, {money(result.total, result.currency)}. "
        f"It ships as soon as it's paid: find it in your account under Orders > {result.number} > Pay now."
    )


def quantity_in(text: str) -> int | None:
    match = _QUANTITY.search(text.lower())
    if match is None:
        return None
    word = match.group(1)
    value = int(word) if word.isdigit() else _WORD_NUMBERS.get(word, 0)
    return value if 1 <= value <= MAX_REORDER_QUANTITY else None


def _named(
    conversation: Conversation, turn: Turn, usual: tuple[UsualConsumable, ...]
) -> UsualConsumable | None:
    found = match_products(conversation.uow(), turn.text, among=[u.product_id for u in usual], limit=1)
    return next((u for u in usual if found and u.product_id == found[0].id), None)


def _generic_usual(turn: Turn) -> bool:
    return bool(re.search(r"\b(?:usual|same as (?:last|before)|again|last time|my regular)\b", turn.words))

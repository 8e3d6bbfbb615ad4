"""Reordering what the customer uses up: the usual product and quantity, ordered only once confirmed."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Any

from crm.models import ProductKind
from crm.services.catalog import ProductView, match_products, product_by_id
from crm.services.replenishment import (
    MAX_REORDER_QUANTITY,
    ReorderRefused,
    UsualConsumable,
    reorder,
    usual_consumables,
)
from dialogue.answers import Answer, classify, pick, plain_yes
from dialogue.conversation import Conversation, Who, yes_no_buttons
from dialogue.flows.common import refers_back, who_or_identify
from dialogue.registry import HANDLERS, handles, resumes
from dialogue.state import Pending
from dialogue.texts import money
from dialogue.turn import Turn

FLOW = "reorder"
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10, "a couple of": 2}
_QUANTITY = re.compile(
    r"\b(\d{1,2}|one|two|three|four|five|six|ten)\s*(?:x\s*)?(?:packs?|boxes|box|bags?|sets?|pieces?|of "
    r"them|units?|cartridges?|kg)\b"
)

# "just 2 this time", "make it 3 instead": a number with no unit, named as the amount wanted.
_AMOUNT = re.compile(
    r"\b(?:just|only|make it|make that)\s+(\d{1,2}|one|two|three|four|five|six|ten)\b"
    r"(?!\s*(?:days?|weeks?|months?|hours?|%|eur|euros?|gbp|usd|\.\d))"
    r"|\b(\d{1,2}|one|two|three|four|five|six|ten)\s+(?:this time|instead)\b"
)

_HOW_MUCH = re.compile(r"\b(?:how much|price|cost|costs|total)\b")


@dataclass(frozen=True)
class Refill:
    """What a reorder would order: kept in the question's data until the customer says yes."""

    product_id: int
    name: str
    unit_price: Decimal
    currency: str
    quantity: int

    @classmethod
    def of(cls, usual: UsualConsumable, quantity: int | None = None) -> Refill:
        return cls(
            usual.product_id, usual.name, usual.unit_price, usual.currency, quantity or usual.last_quantity
        )

    def data(self) -> dict[str, Any]:
        return {**asdict(self), "unit_price": str(self.unit_price), "leaving": "the reorder"}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Refill:
        price = Decimal(str(data["unit_price"]))
        return cls(
            int(data["product_id"]), str(data["name"]), price, str(data["currency"]), int(data["quantity"])
        )


@handles("reorder_usual")
def reorder_usual(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn, account=True)
    if who is None:
        return
    usual = usual_consumables(conversation.uow(), who.customer_id)
    named = _named(conversation, turn, usual)
    if named is None and _focused_device(conversation, turn):
        # "how do I order one" right after a machine's price: buying it, not a refill.
        HANDLERS["place_order"](conversation, turn)
        return
    focused = _focused_supply(conversation, turn)
    if named is None and focused is not None:
        # "order them again for me" right after the toner's price: that product.
        _confirm(conversation, replace(focused, quantity=quantity_in(turn.text) or focused.quantity))
        return
    other = _supply_not_usual(conversation, turn, usual) if named is None else None
    if other is not None:
        # "my printer is out of ink, send more" from a customer who buys filters: never the filters.
        _not_bought_before(conversation, other, usual)
        return
    if not usual:
        conversation.say(
            "I don't see capsules, filters or other supplies you buy regularly yet, so there's nothing to "
            "reorder. You can order anything on our website: pick the product, add it to the basket and "
            "check out."
        )
        return
    if len(usual) > 1 and named is None and not _generic_usual(turn):
        conversation.ask(
            FLOW,
            "which",
            "Which would you like to reorder?",
            [{"title": u.name, "payload": f'/choose{{"choice":"{u.product_id}"}}'} for u in usual[:4]],
            data={"options": [str(u.product_id) for u in usual[:4]], "leaving": "the reorder"},
        )
        return
    _confirm(conversation, Refill.of(named or usual[0], quantity_in(turn.text)))


def _confirm(conversation: Conversation, refill: Refill) -> None:
    conversation.state.focus.product_id, conversation.state.focus.product = refill.product_id, refill.name
    total = money(refill.unit_price * refill.quantity, refill.currency)
    conversation.ask(
        FLOW,
        "confirm",
        f"Shall I order {refill.quantity} x {refill.name} for {total} (today's price), delivered where your "
        "last order went? You pay when it's placed, as usual.",
        yes_no_buttons("Yes, order it", "No, thanks"),
        data=refill.data(),
    )


@resumes(FLOW)
def resume(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    who = conversation.who()
    if who is None or not who.has_account_access:
        return False
    if pending.step == "which":
        usual = usual_consumables(conversation.uow(), who.customer_id)
        by_id = {u.product_id: u for u in usual}
        chosen = pick(turn, [str(o) for o in pending.data.get("options") or []])
        item = by_id.get(int(chosen)) if chosen else _named(conversation, turn, usual)
        if item is None:
            return False
        _confirm(conversation, Refill.of(item, quantity_in(turn.text)))
        return True
    refill = Refill.from_data(pending.data)
    if _HOW_MUCH.search(turn.words):
        # "how much?" at "shall I order ...": the total, and the question again.
        conversation.say(
            f"{money(refill.unit_price * refill.quantity, refill.currency)} in all, at today's price."
        )
        _confirm(conversation, refill)
        return True
    quantity = quantity_in(turn.text)
    if quantity and quantity != refill.quantity:
        _confirm(conversation, replace(refill, quantity=quantity))  # "make it 3 packs": confirm that
        return True
    if plain_yes(turn):
        _place(conversation, who, refill)
        return True
    if classify(turn) in (Answer.NO, Answer.NOT_NOW, Answer.LATER):
        conversation.done()
        conversation.say("OK, I haven't ordered anything. Just ask whenever you need a refill.")
        return True
    return False


def _place(conversation: Conversation, who: Who, refill: Refill) -> None:
    conversation.done()
    try:
        result = reorder(
            conversation.uow(), who.customer_id, refill.product_id, refill.quantity, conversation.now
        )
    except ReorderRefused:
        conversation.say(
            f"Sorry, I can't order {refill.quantity} of those in chat "
            f"(1 to {MAX_REORDER_QUANTITY} at a time)."
        )
        return
    conversation.state.focus.order = result.number
    conversation.changed("reorder", f"the new order {result.number}", order=result.number)
    conversation.say(
        f"Done! I've placed order {result.number}: {result.item}, {money(result.total, result.currency)}. "
        f"It ships as soon as it's paid: find it in your account under Orders > {result.number} > Pay now."
    )


def _focused_device(conversation: Conversation, turn: Turn) -> bool:
    product_id = conversation.state.focus.product_id
    if product_id is None or not (refers_back(turn) or re.search(r"\bone\b", turn.words)):
        return False
    product = product_by_id(conversation.uow(), product_id)
    return product is not None and product.kind is not ProductKind.CONSUMABLE


def _focused_supply(conversation: Conversation, turn: Turn) -> Refill | None:
    """The supply just talked about, when the message refers back to it ("order them")."""
    focus = conversation.state.focus
    if focus.product_id is None or not refers_back(turn):
        return None
    product = product_by_id(conversation.uow(), focus.product_id)
    if product is None or product.kind is not ProductKind.CONSUMABLE:
        return None
    return Refill(product.id, product.name, product.price, "EUR", 1)


def quantity_in(text: str) -> int | None:
    match = _QUANTITY.search(text.lower()) or _AMOUNT.search(text.lower())
    if match is None:
        return None
    word = match.group(1) or match.group(2)
    value = int(word) if word.isdigit() else _WORD_NUMBERS.get(word, 0)
    return value if 1 <= value <= MAX_REORDER_QUANTITY else None


def _named(
    conversation: Conversation, turn: Turn, usual: tuple[UsualConsumable, ...]
) -> UsualConsumable | None:
    found = match_products(conversation.uow(), turn.text, among=[u.product_id for u in usual], limit=1)
    return next((u for u in usual if found and u.product_id == found[0].id), None)


def _supply_not_usual(
    conversation: Conversation, turn: Turn, usual: tuple[UsualConsumable, ...]
) -> ProductView | None:
    """A supply the message names that is not among what the customer buys regularly."""
    usual_ids = {u.product_id for u in usual}
    found = match_products(conversation.uow(), turn.text, limit=3)
    supplies = [p for p in found if p.kind is ProductKind.CONSUMABLE and p.id not in usual_ids]
    return supplies[0] if supplies else None


def _not_bought_before(
    conversation: Conversation, supply: ProductView, usual: tuple[UsualConsumable, ...]
) -> None:
    fits = f" (it fits the {supply.fits})" if supply.fits else ""
    regular = f" What you order regularly is {usual[0].name}." if usual else ""
    conversation.say(
        f"I can reorder the supplies you buy from us regularly, and {supply.name}{fits} isn't one of "
        f"them.{regular} To buy it ({money(supply.price, 'EUR')}), find it on our website, add it to "
        "your basket and check out."
    )


def _generic_usual(turn: Turn) -> bool:
    return bool(re.search(r"\b(?:usual|same as (?:last|before)|again|last time|my regular)\b", turn.words))

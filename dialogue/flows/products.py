"""Product questions from the catalogue: price, availability, what fits, and simple suggestions."""

from __future__ import annotations

from crm.models import ProductKind
from crm.services.catalog import (
    SHIPS_WITHIN,
    ProductView,
    match_products,
    product_by_id,
    recommend,
    supplies_for_customer,
    words_of,
)
from dialogue.answers import Answer, classify, pick
from dialogue.conversation import Conversation
from dialogue.flows.common import refers_back
from dialogue.registry import handles, resumes
from dialogue.state import Pending
from dialogue.texts import money
from dialogue.turn import Turn

CURRENCY = "EUR"
SUGGESTED = "suggestion"
_RANGE = (
    "We sell coffee machines (with capsules, beans, descaler and water filters), the AquaPure water filter "
    "jug, "
    "vacuum cleaners (bags, filters, brushes), printers (ink, toner, paper) and the ClearAir air purifier, "
    "plus "
    "yearly services for the machines."
)


@handles("ask_product")
def ask_product(conversation: Conversation, turn: Turn) -> None:
    asks_about_service = "service" in turn.words
    found = tuple(
        p
        for p in match_products(conversation.uow(), turn.text, limit=4)
        if asks_about_service or p.kind is not ProductKind.SERVICE
    )[:3]
    focus = conversation.state.focus
    if not found and focus.product_id and refers_back(turn):
        # "is it in stock?" right after the descaler's price: the descaler.
        in_focus = product_by_id(conversation.uow(), focus.product_id)
        found = (in_focus,) if in_focus else ()
    owned = _owned(conversation)
    # "the HEPA filters" fit several machines: the ones for the customer's own machine first.
    theirs = {name for items in owned.values() for name in items} | set(owned)
    found = tuple(sorted(found, key=lambda product: product.name not in theirs))
    asked_for = words_of(turn.text)
    if not found and asked_for and not owned_only(asked_for):
        conversation.say(f'Sorry, I can\'t find "{" ".join(asked_for)}" in our range. {_RANGE}')
        return
    if not found:
        if owned:
            lines = [
                f"- {device}: {', '.join(items) or 'no supplies needed'}" for device, items in owned.items()
            ]
            conversation.say(
                "Here's what fits your devices:\n"
                + "\n".join(lines)
                + "\nWhich product would you like to know about?"
            )
        else:
            conversation.say(f"{_RANGE} Which product are you asking about?")
        return
    if len(found) > 1 and found[0].kind is ProductKind.DEVICE:
        _remember(conversation, found[0])
        listed = "; ".join(f"{p.name}: {money(p.price, CURRENCY)}" for p in found)
        conversation.say(f"{listed}. All are {SHIPS_WITHIN}.")
        return
    _describe(conversation, found[0], owned)


def _owned(conversation: Conversation) -> dict[str, tuple[str, ...]]:
    """The customer's devices and the supplies that fit each (empty for visitors)."""
    who = conversation.who()
    if who is None or not who.has_account_access:
        return {}
    return {
        s.device: tuple(c.name for c in s.consumables)
        for s in supplies_for_customer(conversation.uow(), who.customer_id)
    }


def _describe(conversation: Conversation, product: ProductView, owned: dict[str, tuple[str, ...]]) -> None:
    _remember(conversation, product)
    conversation.say(
        f"The {product.name} costs {money(product.price, CURRENCY)} and is {SHIPS_WITHIN}."
        + _fits(product, owned)
    )


def _remember(conversation: Conversation, product: ProductView) -> None:
    focus = conversation.state.focus
    focus.product_id, focus.product, focus.topic = product.id, product.name, "product"


@handles("recommend_product")
def recommend_product(conversation: Conversation, turn: Turn) -> None:
    who = conversation.who()
    customer_id = who.customer_id if who is not None and who.has_account_access else None
    suggestion = recommend(conversation.uow(), customer_id, turn.text)
    if not suggestion.items:
        conversation.say(f"{_RANGE} Tell me what you're looking for and I'll suggest something.")
        return
    lines = "\n".join(
        f"- {p.name}, {money(p.price, CURRENCY)}" + (f" (for the {p.fits})" if p.fits else "")
        for p in suggestion.items
    )
    conversation.say(f"Some suggestions, {suggestion.basis}:\n{lines}\nAll {SHIPS_WITHIN}.")
    conversation.offer(
        SUGGESTED,
        "more",
        "Want to know more about one of them?",
        [{"title": p.name, "payload": f'/choose{{"choice":"{p.id}"}}'} for p in suggestion.items],
        data={"options": [str(p.id) for p in suggestion.items]},
    )


@resumes(SUGGESTED)
def resume_suggestion(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    options = [str(o) for o in pending.data.get("options") or []]
    chosen = pick(turn, options)
    if chosen is None:
        named = match_products(conversation.uow(), turn.text, among=[int(o) for o in options], limit=1)
        chosen = str(named[0].id) if named else None
    answer = classify(turn)
    if chosen is None and answer is Answer.YES:
        conversation.ask(SUGGESTED, "more", "Which one?", pending.buttons, data=pending.data)
        return True
    if chosen is None:
        conversation.done()
        if answer in (Answer.NO, Answer.NOT_NOW):
            conversation.say("No problem. Just ask if anything else catches your eye.")
            return True
        return False
    conversation.done()
    product = product_by_id(conversation.uow(), int(chosen))
    if product is not None:
        _describe(conversation, product, _owned(conversation))
    return True


def owned_only(words: list[str]) -> bool:
    """ "what fits my devices", "which supplies for my machines": about what they own, no product named."""
    return set(words) <= {
        "fit",
        "fits",
        "device",
        "machine",
        "appliance",
        "supplie",
        "supply",
        "refill",
        "consumable",
    }


def _fits(product: ProductView, owned: dict[str, tuple[str, ...]]) -> str:
    if product.kind is not ProductKind.CONSUMABLE or not product.fits:
        return ""
    if product.fits in owned:
        return f" It fits your {product.fits}."
    if owned:
        return f" Note: it's made for the {product.fits}, which I don't see among your devices."
    return f" It's made for the {product.fits}."

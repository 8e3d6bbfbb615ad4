"""Product questions from the catalogue: price, availability, what fits, and simple suggestions."""

from __future__ import annotations

from crm.models import ProductKind
from crm.services.catalog import SHIPS_WITHIN, ProductView, match_products, recommend, supplies_for_customer
from dialogue.conversation import Conversation
from dialogue.registry import handles
from dialogue.texts import money
from dialogue.turn import Turn

CURRENCY = "EUR"
_RANGE = (
    "We sell coffee machines (with capsules, beans, descaler and water filters), the AquaPure water filter "
    "jug, "
    "vacuum cleaners (bags, filters, brushes), printers (ink, toner, paper) and the ClearAir air purifier, "
    "plus "
    "yearly services for the machines."
)


@handles("ask_product")
def ask_product(conversation: Conversation, turn: Turn) -> None:
    found = match_products(conversation.uow(), turn.text, limit=3)
    if not found and conversation.state.focus.product_id:
        found = match_products(conversation.uow(), conversation.state.focus.product or "", limit=1)
    who = conversation.who()
    owned: dict[str, tuple[str, ...]] = {}
    if who is not None and who.has_account_access:
        owned = {
            s.device: tuple(c.name for c in s.consumables)
            for s in supplies_for_customer(conversation.uow(), who.customer_id)
        }
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
    first = found[0]
    conversation.state.focus.product_id, conversation.state.focus.product = first.id, first.name
    if len(found) > 1 and first.kind is ProductKind.DEVICE:
        listed = "; ".join(f"{p.name}: {money(p.price, CURRENCY)}" for p in found)
        conversation.say(f"{listed}. All are {SHIPS_WITHIN}.")
        return
    conversation.say(
        f"The {first.name} costs {money(first.price, CURRENCY)} and is {SHIPS_WITHIN}.{_fits(first, owned)}"
    )


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
    first = suggestion.items[0]
    conversation.state.focus.product_id, conversation.state.focus.product = first.id, first.name
    conversation.say(
        f"Some suggestions, {suggestion.basis}:\n{lines}\nAll {SHIPS_WITHIN}. Want to know more about one of "
        "them?"
    )


def _fits(product: ProductView, owned: dict[str, tuple[str, ...]]) -> str:
    if product.kind is not ProductKind.CONSUMABLE or not product.fits:
        return ""
    if product.fits in owned:
        return f" It fits your {product.fits}."
    if owned:
        return f" Note: it's made for the {product.fits}, which I don't see among your devices."
    return f" It's made for the {product.fits}."

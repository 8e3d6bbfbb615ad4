"""Reviews: a rating (and the customer's words) about the product they name, saved once confirmed."""

from __future__ import annotations

import re
from typing import Any

from crm.models import OrderStatus
from crm.services.catalog import match_products
from crm.services.errors import OrderNotFound
from crm.services.reviews import record_review
from dialogue.answers import Answer, classify, pick, plain_yes
from dialogue.conversation import Conversation, Who, yes_no_buttons
from dialogue.flows.common import candidate_orders, orders_with, product_in, who_or_identify
from dialogue.registry import handles, resumes
from dialogue.state import Pending
from dialogue.texts import NOTHING_CHANGED
from dialogue.turn import Turn

FLOW = "review"
SHOP = "shop"
# "can i leave some feedback", "i want to rate the dust bags": asking to review, not the review.
_ASKING_TO_REVIEW = re.compile(
    r"\b(?:review|feedback|rate|rating|write|leave|give|submit|post)\b.*\b(?:review|feedback|rating|stars?|it|the)\b|"
    r"^(?:can|could|may|how do|how can|i want|i'?d like|id like|i wanna|let me|want to)\b"
)
_RATING_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_NUMBER = r"([1-5]|one|two|three|four|five)"
# A rating is a number said alone ("4") or with a scale ("five stars", "3/5"), so counts and
# amounts ("two packs") are not taken for ratings.
_RATING = re.compile(
    rf"^\s*{_NUMBER}\s*[.!]*\s*$|\b{_NUMBER}\s*(?:stars?\b|/\s*5\b|out of (?:5|five)\b)", re.IGNORECASE
)
_ONLY_RATING = re.compile(rf"^\s*{_NUMBER}\s*(?:stars?|/\s*5|out of (?:5|five))?\s*[.!]*\s*$", re.IGNORECASE)
_SHOP_WORDS = re.compile(
    r"\b(?:shop|store|service|you guys|your company|website|support|delivery|experience)\b"
)
RATING_BUTTONS = [{"title": str(n), "payload": f'/review{{"rating":"{n}"}}'} for n in (5, 4, 3, 2, 1)]


def parse_rating(text: str, entity: str | None = None) -> int | None:
    if entity and entity.strip().isdigit() and 1 <= int(entity) <= 5:
        return int(entity)
    stars = text.count("★") or text.count("⭐")
    if 1 <= stars <= 5:
        return stars
    match = _RATING.search(text)
    if match is None:
        return None
    word = (match.group(1) or match.group(2)).lower()
    return _RATING_WORDS.get(word) or int(word)


def review_words(text: str) -> str:
    """The customer's opinion in what they wrote: not the request to review, not the stars.

    "i want to leave a review for the vacuum, 5 stars, love it" -> "love it".
    """
    if text.startswith("/") or _ONLY_RATING.match(text):
        return ""
    kept = []
    for part in re.split(r"[,.;!?\n]+", text):
        part = " ".join(part.split())
        if not part or _RATING.fullmatch(part.strip()) or _ASKING_TO_REVIEW.search(part.lower()):
            continue
        kept.append(_RATING.sub("", part).strip(" -:"))
    return ", ".join(p for p in kept if p)


@handles("review")
def review(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn)
    if who is None:
        return
    data: dict[str, Any] = {
        "rating": parse_rating(turn.text, turn.entity("rating")),
        "words": review_words(turn.text),
        "leaving": "the review",
    }
    views = candidate_orders(conversation, who, limit=6)
    product = product_in(conversation, turn, views, devices=True)
    if product is not None:
        holding = orders_with(views, product.id)
        data.update(product_id=product.id, subject=product.name, order=holding[0].number if holding else None)
    elif _SHOP_WORDS.search(turn.words) or not views:
        data.update(product_id=None, subject="our shop", order=None)
    elif turn.order_number:
        data.update(product_id=None, subject=f"order {turn.order_number}", order=turn.order_number)
    else:
        seen: dict[int, str] = {}
        for view in views:
            if view.status is OrderStatus.DELIVERED:
                for line in view.lines:
                    seen.setdefault(line.product_id, line.name)
        ours = {line.product_id for view in views for line in view.lines}
        named = match_products(conversation.uow(), turn.text, limit=4)
        fitting = [product for product in named if product.id in seen]
        if len(fitting) > 1:  # "the ink": the black or the colour one?
            options = [(product.id, product.name) for product in fitting[:3]]
            question = "Which one would you like to review?"
        else:
            options = list(seen.items())[:3]
            # "a review for the coffee machine" from a customer who never bought one: say so.
            question = (
                f"I don't see {named[0].name} among your orders, and reviews are for what you bought "
                "from us. What would you like to review?"
                if named and not any(product.id in ours for product in named)
                else "Thank you! What would you like to review?"
            )
        buttons = [{"title": name, "payload": f'/choose{{"choice":"{pid}"}}'} for pid, name in options]
        buttons.append({"title": "The shop in general", "payload": f'/choose{{"choice":"{SHOP}"}}'})
        conversation.ask(
            FLOW,
            "what",
            question,
            buttons,
            data={**data, "options": [str(pid) for pid, _ in options] + [SHOP]},
        )
        return
    _next(conversation, data)


def _next(conversation: Conversation, data: dict[str, Any]) -> None:
    if not data.get("rating"):
        conversation.ask(
            FLOW,
            "rating",
            f"How would you rate {data['subject']}, from 1 (poor) to 5 (excellent)?",
            RATING_BUTTONS,
            data=data,
        )
        return
    words = f': "{data["words"]}"' if data.get("words") else ""
    conversation.ask(
        FLOW,
        "confirm",
        f"Shall I save your {data['rating']}-star review of {data['subject']}{words}? It's shown with your "
        "first name.",
        yes_no_buttons("Yes, save it", "No"),
        data=data,
    )


@resumes(FLOW)
def resume(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    who = conversation.who()
    if who is None:
        return False
    data = dict(pending.data)
    if pending.step == "what":
        chosen = pick(turn, [str(o) for o in data.get("options") or []])
        if chosen is None and _SHOP_WORDS.search(turn.words):
            chosen = SHOP
        if chosen is None:
            views = candidate_orders(conversation, who, limit=6)
            product = product_in(conversation, turn, views, devices=True)
            chosen = str(product.id) if product else None
        if chosen is None:
            rating = parse_rating(turn.text, turn.entity("rating"))
            if rating is None or data.get("rating"):
                return False
            # "5 stars, makes great coffee" before saying what about: kept, and the question again.
            words = review_words(turn.text)
            conversation.ask(
                FLOW,
                "what",
                f"Got it, {rating} stars. Which is the review for?",
                pending.buttons,
                data={**data, "rating": rating, "words": words},
            )
            return True
        if chosen == SHOP:
            data.update(product_id=None, subject="our shop", order=None)
        else:
            views = candidate_orders(conversation, who, limit=6)
            line = next((ln for v in views for ln in v.lines if ln.product_id == int(chosen)), None)
            holding = orders_with(views, int(chosen))
            data.update(
                product_id=int(chosen),
                subject=line.name if line else "the product",
                order=holding[0].number if holding else None,
            )
        data["rating"] = data.get("rating") or parse_rating(turn.text, turn.entity("rating"))
        _next(conversation, data)
        return True
    if pending.step == "rating":
        rating = parse_rating(turn.text, turn.entity("rating"))
        if rating is None:
            if re.search(r"\b(?:[06-9]|10|zero|six|seven|eight|nine|ten)\b", turn.words):
                conversation.ask(
                    FLOW, "rating", "Please give a number from 1 to 5.", RATING_BUTTONS, data=data
                )
                return True
            return False
        words = " ".join(filter(None, [str(data.get("words") or ""), review_words(turn.text)]))
        _next(conversation, {**data, "rating": rating, "words": words})
        return True
    rating = parse_rating(turn.text, turn.entity("rating"))
    if rating and rating != data.get("rating") and not plain_yes(turn):
        _next(conversation, {**data, "rating": rating})  # "make it 4 stars"
        return True
    if plain_yes(turn):
        _save(conversation, who, data)
        return True
    if classify(turn) in (Answer.NO, Answer.NOT_NOW):
        conversation.done()
        conversation.say(NOTHING_CHANGED + " No review was saved.")
        return True
    return False


def _save(conversation: Conversation, who: Who, data: dict[str, Any]) -> None:
    conversation.done()
    try:
        saved = record_review(
            conversation.uow(),
            who.customer_id,
            int(data["rating"]),
            str(data.get("words") or ""),
            conversation.now,
            order_number=str(data["order"]) if data.get("order") else None,
            product_id=int(data["product_id"]) if data.get("product_id") else None,
        )
    except OrderNotFound:
        conversation.say(f"I couldn't find order {data.get('order')} on your account, so nothing was saved.")
        return
    conversation.changed("review", f"your {saved.rating}-star review", review_id=saved.id)
    name = f", {who.first_name}" if who.first_name else ""
    if saved.is_low:
        conversation.say(
            f"Thank you for your honest {saved.rating}-star review{name}. I'm sorry we let you down."
        )
        from dialogue.flows import handoff

        handoff.offer(
            conversation,
            reason="low_rating",
            question="Would you like a colleague to get in touch and put it right?",
        )
        return
    conversation.say(f"Thank you for your {saved.rating}-star review{name}! It helps us and other customers.")

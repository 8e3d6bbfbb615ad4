"""Messages the shop sends first, and the customer's answers to them: yes, not now, later, less often,
another channel, stop.

The proactive engine stores the message's context (why it was sent, what it offers) in the store
before asking Rasa to deliver it; the `EXTERNAL_...` turn only carries its key. So nobody can
invent a proactive message by typing one, and the context survives Rasa's session expiry.

Every answer is recorded on the message's outbox row by that key (`record_answer`): the policy
reads a "no" as the start of the trigger's cooldown, and "remind me later" plans the message again.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from crm.models import CaseKind, HandoffReason, ProactiveAnswer
from crm.services.cases import GENERAL_TOPIC, open_case, topic_of
from crm.services.catalog import product_by_id
from crm.services.conversations import forget_proactive, proactive_context, snooze_proactive
from crm.services.devices import DeviceServiceView, NoDevice, book_service, service_status
from crm.services.proactive_answers import record_answer
from crm.services.replenishment import MAX_REORDER_QUANTITY, ReorderRefused, reorder, usual_consumables
from dialogue.answers import Answer, classify, is_bare_stop, plain_yes
from dialogue.conversation import Button, Conversation, Who, yes_no_buttons
from dialogue.flows import handoff, preferences
from dialogue.flows.devices import wish_in
from dialogue.flows.reorder import Refill, quantity_in
from dialogue.later import later_from, remind_at
from dialogue.registry import resumes
from dialogue.state import DialogueState, Pending
from dialogue.texts import day, money
from dialogue.turn import Turn

log = logging.getLogger(__name__)
FLOW = "proactive"
# The reorder a "yes" leads to, quoted with today's price before it is placed.
REORDER = "proactive_reorder"
CONTROLS: list[Button] = [
    {"title": "Yes, please", "payload": "/affirm"},
    {"title": "Not now", "payload": "/not_now"},
    {"title": "Remind me next week", "payload": "/remind_later"},
    {"title": "Less often", "payload": "/message_less_often"},
    {"title": "Another channel", "payload": "/set_preferred_channel"},
    {"title": "Stop these messages", "payload": "/stop_messages"},
]
_LESS_OFTEN = re.compile(r"\b(?:less often|fewer|too many|not so often|less frequent)\b")
_SURE_REQUEST = 0.85  # below this, "which one is it?" to our message asks about our message
# Messages about the customer's own order or device: no advertising, no marketing consent needed.
_SERVICE_KINDS = frozenset({"service_due", "delivery_late"})
_SHORT = 8  # words: "maybe in 3 days?" answers; a longer message with a date in it asks something
# "when will it arrive, tomorrow?" names a day but asks something else.
_ASKS = re.compile(r"^(?:what|whats|when|where|wheres|how|why|which|who|is|are|does|do|did|will|has|have)\b")
_REMIND = re.compile(r"\b(?:remind me|ask me again|try again|try me|later)\b")
# "stop spamming me", "don't text me again", "leave me alone": no more of these, at once.
_STOP_THESE = re.compile(
    r"\b(?:stop (?:spamming|messaging|texting|sending|contacting|emailing|bugging|pestering|writing)|"
    r"(?:don'?t|dont|do not|never) (?:message|text|contact|send|email|write to|bother|spam) (?:me|us|these)|"
    r"quit (?:spamming|messaging|texting|sending)|leave me alone|unsubscribe|opt (?:me )?out|"
    r"no more (?:messages|offers|reminders|of these|of this|spam)|"
    r"(?:f|eff|piss|bugger|sod|back) off|go away|(?:sick|tired) of (?:these|your|the|this)|"
    r"enough (?:with|of) (?:these|the|your))\b"
    r"|^(?:stpo|sotp|stopp+|stop+ (?:it|pls|plz|please|now|already)|(?:pls|plz|please) stop)$"
)
# "who is this?", "is this spam?", "why are you texting me": who writes and why, before any answer.
_WHO = re.compile(
    r"\b(?:who(?:'s|s| is| are| r) (?:this|it|that|there|you|u)\b|who dis\b|"
    r"(?:is|r) (?:this|it|that) (?:spam|a scam|scam|real|legit|genuine|automated|an ad|advertising)\b|"
    r"spam\b|scam\b|"
    r"why (?:did|do|am|are|r|have) (?:i|you|u) "
    r"(?:get|getting|got|receiv|sen[dt]|messag|text|writ|contact)\w*|"
    r"how did you get my)"
)
# "which one was that again?", "what machine?": what our message is about, in the store's words.
_WHICH = re.compile(
    r"\b(?:(?:which|what) (?:one|product|machine|device|order|item|thing|parcel|package|refill|service)s?\b|"
    r"(?:which|what)(?:'s| is| was| s) (?:that|it|this)\b|remind me what|what do you mean\b|"
    r"what are you (?:on|talking) about)"
)
# "i already bought it elsewhere", "i sold that machine", "still have plenty": no need, so a no.
_NO_NEED = re.compile(
    r"\b(?:already (?:bought|got|ordered|have|has|did|done|booked|sorted|received|arrived)|"
    r"(?:bought|got|ordered|get|buy) (?:it|them|some|one|those|these)? ?(?:elsewhere|somewhere else|"
    r"from (?:another|a different) (?:shop|store|seller))|"
    r"(?:sold|gave away|got rid of|threw out|thrown out|don'?t have|dont have|no longer (?:have|own|use)|"
    r"not using|stopped using|don'?t use|dont use) (?:that|the|it|them|this|my|those|these|any)\b|"
    r"(?:don'?t|dont|do not) need (?:it|them|any|more|one|that|those|these)|no longer need|"
    r"(?:still )?(?:have|got) (?:plenty|loads|lots|enough)\b|it (?:came|arrived)\b)"
)
# "oh and about the refill, yes pls": the reference to our message, before the answer itself.
_ABOUT_OURS = re.compile(
    r"^(?:(?:oh|and|also|so|ok|okay|right|btw)\s+)*(?:about|regarding|re|as for) "
    r"(?:the|your|that|this|ur|my) [a-z'-]+(?: [a-z'-]+)?\s*[,:.-]?\s+"
)
# "how much is it?", "what does a service cost": the price of what our message offers.
_PRICE = re.compile(r"\b(?:how much|price|prices|cost|costs|costing|charge|expensive)\b")
_CHECK_WORDS = 12  # "who is this" and "which one" are short; a long message asks something of its own
# The question our message ends with: "Shall I reorder 2 for you?"
_LAST_QUESTION = re.compile(r"(?<=[.!?])\s+[^.!?]*\?\s*$")
_OTHER_CHANNEL = re.compile(r"\b(?:telegram|e-?mail|another channel|other channel|somewhere else|text me)\b")


def deliver(conversation: Conversation, turn: Turn) -> None:
    """Shows the proactive message whose context the engine stored for this conversation."""
    ctx = conversation.ctx
    context = proactive_context(conversation.uow(), ctx.conversation_id, ctx.now)
    key = turn.entity("key")
    if context is None or (key is not None and context.get("key") != key):
        return  # nothing (or something else) stored for it: say nothing rather than guess
    customer_id = context.get("customer_id")
    if conversation.state.customer_id != customer_id:
        conversation.state = DialogueState(customer_id=customer_id)
    state = conversation.state
    state.proactive = context
    if state.pending is not None and state.pending.flow == FLOW:
        # The session start restored this very question from the store a moment ago: showing it
        # is its first asking, so an unclear first answer is asked again, not given up on.
        state.pending = None
    if context.get("order"):
        state.focus.order = str(context["order"])
    if context.get("product_id"):
        state.focus.product_id, state.focus.product = int(context["product_id"]), context.get("product")
    conversation.ask(
        FLOW,
        "offer",
        str(context.get("message") or "We have news about your order."),
        CONTROLS,
        data=_offer_data(context),
    )


def _offer_data(context: dict[str, Any]) -> dict[str, Any]:
    """The open question's data; `again` is the short question asked after a digression."""
    data: dict[str, Any] = {"leaving": "our message"}
    message = str(context.get("message") or "")
    asked = _LAST_QUESTION.search(message)
    order = context.get("order")
    about = context.get("product") or context.get("device") or (f"order {order}" if order else None)
    if asked is not None and about and asked.start() > 0:
        # The whole message again after every digression is a wall of text; its question is enough.
        question = asked.group(0).strip()
        question = question[0].lower() + question[1:]
        data["again"] = f"Now, back to where we were, our message about {about}: {question}"
    return data


def restore(state: DialogueState, context: dict[str, Any]) -> None:
    """After a new session: the pending answer to the proactive message comes back from the store."""
    state.proactive = context
    state.customer_id = context.get("customer_id")
    message = str(context.get("message") or "")
    state.pending = Pending(FLOW, "offer", message, list(CONTROLS), _offer_data(context))


@resumes(FLOW)
def resume(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    context = conversation.state.proactive or {}
    who = conversation.who()
    if who is None or who.customer_id != context.get("customer_id"):
        conversation.done()
        return False
    if is_bare_stop(turn.text) or turn.intent == "stop_messages":
        opt_out(conversation, turn)
        return True
    if turn.intent == "message_less_often" or _LESS_OFTEN.search(turn.words):
        _finish(conversation, context, ProactiveAnswer.LESS_OFTEN)
        preferences.less_often(conversation, turn)
        return True
    if turn.intent == "set_preferred_channel" or (
        _OTHER_CHANNEL.search(turn.words) and classify(turn) is Answer.NONE
    ):
        _finish(conversation, context, ProactiveAnswer.OTHER_CHANNEL)
        preferences.preferred_channel(conversation, turn)
        return True
    if _STOP_THESE.search(turn.words):
        opt_out(conversation, turn)
        return True
    if _wants_a_person(turn):
        _to_a_person(conversation, context, turn)
        return True
    if _about_the_message(turn, _WHO):
        _who_we_are(conversation, context, pending)
        return True
    price = _price_of(conversation, who, context) if _asks_the_price(turn) else None
    if price is not None:
        conversation.say(price)
        _ask_again(conversation, context, pending)
        return True
    if context.get("kind") == "delivery_late" and _upset_about_lateness(turn):
        # "this is ridiculous, late again": the chase our message offers is the remedy, asked for.
        conversation.say("I'm really sorry, that's not good enough, and I understand why you're annoyed.")
        _ask_again(conversation, context, pending)
        return True
    if _about_the_message(turn, _WHICH):
        _what_it_is_about(conversation, who, context, pending)
        return True
    if _NO_NEED.search(turn.words) and classify(turn) is not Answer.YES:
        _no_need(conversation, context)
        return True
    turn = _without_reference(turn)
    answer = _answer(conversation, turn)
    if (
        context.get("kind") == "replenishment"
        and answer in (Answer.NONE, Answer.YES)
        and quantity_in(turn.text) is not None
    ):
        # "can u make it 2 packs" to "shall I reorder 3?": a yes, for that many.
        answer = Answer.YES
    if answer is Answer.YES:
        _accept(conversation, who, context, turn)
        return True
    if answer in (Answer.NO, Answer.NOT_NOW, Answer.LEAVE):
        _finish(conversation, context, ProactiveAnswer.DECLINED)
        conversation.say("No problem, I'll leave it for now. Just ask me whenever it suits you.")
        return True
    if answer is Answer.LATER:
        _snooze(conversation, who, context, turn)
        return True
    return False


def _answer(conversation: Conversation, turn: Turn) -> Answer:
    """The answer to our message; a time named ("not now, maybe next week", "in 3 days?") makes it a later."""
    answer = classify(turn)
    named = later_from(turn.words, conversation.now) is not None or bool(_REMIND.search(turn.words))
    if named and answer in (Answer.NO, Answer.NOT_NOW):
        return Answer.LATER
    if named and answer is Answer.NONE and len(turn.words.split()) <= _SHORT and not _ASKS.match(turn.words):
        return Answer.LATER
    return answer


def _about_the_message(turn: Turn, pattern: re.Pattern[str]) -> bool:
    """A short question about our message itself, when the classifier reads no clear request in it."""
    # "what is this about?" reads as asking what the assistant can do ("help"); here it asks about
    # our message, as "who is this?" does ("bot_challenge").
    unsure = turn.is_miss or turn.confidence < _SURE_REQUEST or turn.intent in ("bot_challenge", "help")
    return unsure and len(turn.words.split()) <= _CHECK_WORDS and bool(pattern.search(turn.words))


def _price_of(conversation: Conversation, who: Who, context: dict[str, Any]) -> str | None:
    """Today's price of what our message offers: the refill it would order, the service it would book."""
    kind = context.get("kind")
    if kind == "replenishment" and context.get("product_id"):
        product = product_by_id(conversation.uow(), int(context["product_id"]))
        if product is None:
            return None
        quantity = int(context.get("quantity") or 1)
        usual = next(
            (u for u in usual_consumables(conversation.uow(), who.customer_id) if u.product_id == product.id),
            None,
        )
        currency = usual.currency if usual else "EUR"
        each = money(product.price, currency)
        if quantity == 1:
            return f"The {product.name} costs {each} today."
        total = money(product.price * quantity, currency)
        return f"The {product.name} costs {each} each today, so {quantity} would be {total}."
    if kind == "service_due" and context.get("serial"):
        device = _device(conversation, who, str(context["serial"]))
        if device is not None and device.service_price is not None:
            service = device.service_name or "the service"
            return f"{service} for your {device.name} costs {money(device.service_price, 'EUR')}."
    return None


def _asks_the_price(turn: Turn) -> bool:
    return bool(_PRICE.search(turn.words)) and len(turn.words.split()) <= _CHECK_WORDS


def _device(conversation: Conversation, who: Who, serial: str) -> DeviceServiceView | None:
    return next((d for d in service_status(conversation.uow(), who.customer_id) if d.serial == serial), None)


def _upset_about_lateness(turn: Turn) -> bool:
    return turn.intent == "complaint" and topic_of(turn.text) in ("late delivery", GENERAL_TOPIC)


def _without_reference(turn: Turn) -> Turn:
    """ "about the refill, yes pls" read as "yes pls"."""
    match = _ABOUT_OURS.match(turn.words)
    if match is None or match.end() >= len(turn.words):
        return turn
    return replace(turn, text=turn.words[match.end() :])


def _who_we_are(conversation: Conversation, context: dict[str, Any], pending: Pending) -> None:
    """Who wrote and why; nothing is answered for the customer, and our question stands."""
    kind = context.get("kind")
    if kind in _SERVICE_KINDS:
        why = "It's about your own order or device, so it isn't advertising."
    else:
        why = (
            "It's a reminder, not spam; if you'd rather not get offers and reminders like this, just say "
            '"stop" and they end at once.'
        )
    conversation.say(
        "This is the shop's assistant, here in the chat of your customer account: we wrote to you "
        f"because of what you bought from us. {why} Nothing is ordered or changed unless you say so."
    )
    _ask_again(conversation, context, pending)


def _what_it_is_about(
    conversation: Conversation, who: Who, context: dict[str, Any], pending: Pending
) -> None:
    conversation.say(_subject_of(conversation, who, context))
    _ask_again(conversation, context, pending)


def _subject_of(conversation: Conversation, who: Who, context: dict[str, Any]) -> str:
    """What our message is about, from the store: the product last bought, the device, the order."""
    kind = context.get("kind")
    if kind == "replenishment" and context.get("product_id"):
        product_id = int(context["product_id"])
        usual = next(
            (u for u in usual_consumables(conversation.uow(), who.customer_id) if u.product_id == product_id),
            None,
        )
        if usual is not None:
            return (
                f"It's the {usual.name}: you last ordered {usual.last_quantity} on "
                f"{day(usual.last_bought_at.astimezone(conversation.zone(who)).date())}, and you've "
                f"bought them {usual.times_bought} times so far."
            )
        product = product_by_id(conversation.uow(), product_id)
        if product is not None:
            return f"It's the {product.name} you buy from us."
    if kind == "service_due" and context.get("serial"):
        device = _device(conversation, who, str(context["serial"]))
        if device is not None:
            due = f", due for its service on {day(device.next_service_on)}" if device.next_service_on else ""
            return f"It's your {device.name} (serial {device.serial}){due}."
    if context.get("order"):
        return f"It's your order {context['order']}."
    return "It's the message we sent you just before."


def _ask_again(conversation: Conversation, context: dict[str, Any], pending: Pending) -> None:
    conversation.ask(FLOW, "offer", str(context.get("message") or pending.question), CONTROLS, pending.data)


def _no_need(conversation: Conversation, context: dict[str, Any]) -> None:
    """ "Already bought it elsewhere", "I sold that machine": a no, said kindly; nothing changes."""
    _finish(conversation, context, ProactiveAnswer.DECLINED)
    kind = context.get("kind")
    if kind == "replenishment":
        conversation.say(
            "Thanks for letting me know! I haven't ordered anything. Just ask whenever you need a refill."
        )
    elif kind == "delivery_late":
        conversation.say("Thanks for letting me know. I haven't asked the carrier for anything.")
    else:
        conversation.say("No problem, thanks for letting me know. I haven't booked or changed anything.")


def opt_out(conversation: Conversation, turn: Turn) -> None:
    """ "stop" to a message the shop sent first: opted out at once (with an undo), recorded as its answer."""
    context = conversation.state.proactive
    if context is not None and conversation.who() is not None:
        _finish(conversation, context, ProactiveAnswer.OPTED_OUT)
    preferences.opt_out(conversation, turn)


def _accept(conversation: Conversation, who: Who, context: dict[str, Any], turn: Turn) -> None:
    kind = context.get("kind")
    if kind == "replenishment" and context.get("product_id"):
        _finish(conversation, context)
        _confirm_reorder(conversation, who, context, turn)
        return
    if kind == "service_due" and context.get("serial"):
        _finish(conversation, context)
        _book_service(conversation, who, context, turn)
        return
    if kind == "delivery_late" and context.get("order"):
        _finish(conversation, context)
        _chase_carrier(conversation, who, context)
        return
    _finish(conversation, context, ProactiveAnswer.ACCEPTED)
    conversation.say("Great! Tell me what you'd like to do and I'll take it from there.")


def _confirm_reorder(conversation: Conversation, who: Who, context: dict[str, Any], turn: Turn) -> None:
    """The offer rarely quotes today's price and the address: the yes leads to the exact order, confirmed."""
    product_id = int(context["product_id"])
    quantity = min(quantity_in(turn.text) or int(context.get("quantity") or 1), MAX_REORDER_QUANTITY)
    usual = next(
        (u for u in usual_consumables(conversation.uow(), who.customer_id) if u.product_id == product_id),
        None,
    )
    product = product_by_id(conversation.uow(), product_id)
    if product is None:
        _answered(conversation, context, ProactiveAnswer.DECLINED)
        conversation.say("Sorry, we no longer sell that product, so there's nothing to reorder.")
        return
    # Today's price, in the currency the customer's orders are in (a reorder ships like the last one).
    refill = Refill(product.id, product.name, product.price, usual.currency if usual else "EUR", quantity)
    _ask_reorder(conversation, refill, str(context.get("key") or ""), who.customer_id)


def _ask_reorder(conversation: Conversation, refill: Refill, key: str, customer_id: int) -> None:
    conversation.state.focus.product_id, conversation.state.focus.product = refill.product_id, refill.name
    total = money(refill.unit_price * refill.quantity, refill.currency)
    conversation.ask(
        REORDER,
        "confirm",
        f"Shall I order {refill.quantity} x {refill.name} for {total} (today's price), delivered where your "
        "last order went? You pay when it's placed, as usual.",
        yes_no_buttons("Yes, order it", "No, thanks"),
        data={**refill.data(), "key": key, "customer_id": customer_id},
    )


@resumes(REORDER)
def resume_reorder(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    who = conversation.who()
    if who is None or not who.has_account_access or who.customer_id != pending.data.get("customer_id"):
        conversation.done()
        return False
    refill = Refill.from_data(pending.data)
    context = {"key": pending.data.get("key")}
    quantity = quantity_in(turn.text)
    if quantity and quantity != refill.quantity:  # "make it 3 packs": confirm that instead
        _ask_reorder(
            conversation, replace(refill, quantity=quantity), str(context["key"] or ""), who.customer_id
        )
        return True
    if _asks_the_price(turn) and classify(turn) is not Answer.NO:
        total = money(refill.unit_price * refill.quantity, refill.currency)
        conversation.say(f"That's {total} in total at today's price; delivery is as on your last order.")
        _ask_reorder(conversation, refill, str(context["key"] or ""), who.customer_id)
        return True
    if plain_yes(turn):
        conversation.done()
        _place_reorder(conversation, who, refill, context)
        return True
    answer = classify(turn)
    if answer in (Answer.NO, Answer.NOT_NOW):
        conversation.done()
        _answered(conversation, context, ProactiveAnswer.DECLINED)
        conversation.say("OK, I haven't ordered anything. Just ask whenever you need a refill.")
        return True
    if answer is Answer.LATER:
        conversation.done()
        _snooze(conversation, who, context, turn)
        return True
    return False


def _place_reorder(conversation: Conversation, who: Who, refill: Refill, context: dict[str, Any]) -> None:
    try:
        result = reorder(
            conversation.uow(), who.customer_id, refill.product_id, refill.quantity, conversation.now
        )
    except ReorderRefused:
        conversation.say("Sorry, I can't reorder that here; you'll find it in our shop.")
        return
    _answered(conversation, context, ProactiveAnswer.ACCEPTED)
    conversation.state.focus.order = result.number
    conversation.changed("reorder", f"the new order {result.number}", order=result.number)
    conversation.say(
        f"Done! I've placed order {result.number}: {result.item}, "
        f"{money(result.total, result.currency)}. It ships as "
        f"soon as it's paid: find it in your account under Orders > {result.number} > Pay now."
    )


def _book_service(conversation: Conversation, who: Who, context: dict[str, Any], turn: Turn) -> None:
    # The message offered exactly this booking (a request to the service team, nothing charged):
    # the yes to it is the confirmation, with the customer's wish ("next week") noted.
    wish = wish_in(turn)
    try:
        case = book_service(
            conversation.uow(),
            who.customer_id,
            str(context["serial"]),
            conversation.now,
            preferred_time=wish,
            conversation_id=conversation.ctx.conversation_id,
            channel=conversation.ctx.channel,
        )
    except NoDevice:
        _answered(conversation, context, ProactiveAnswer.DECLINED)
        conversation.say("That device doesn't need a scheduled service any more, so there's nothing to book.")
        return
    _answered(conversation, context, ProactiveAnswer.ACCEPTED)
    conversation.state.focus.case = case.number
    conversation.changed("case", f"the service booking {case.number}", case=case.number)
    timing = f" I've noted that you'd like it {wish}." if wish else ""
    conversation.say(
        "Done: our service team will contact you within 2 working days to agree a date (case "
        f"{case.number}).{timing}"
    )


def _chase_carrier(conversation: Conversation, who: Who, context: dict[str, Any]) -> None:
    case = open_case(
        conversation.uow(),
        who.customer_id,
        CaseKind.COMPLAINT,
        "late delivery",
        f"Order {context['order']} is late; the customer asked us to chase the carrier after our "
        f"message ({context.get('key')}).",
        conversation.now,
        order_number=str(context["order"]),
        conversation_id=conversation.ctx.conversation_id,
        channel=conversation.ctx.channel,
    )
    _answered(conversation, context, ProactiveAnswer.ACCEPTED)
    if not case.reused:
        conversation.changed("case", f"the case {case.number}", case=case.number)
    conversation.say(
        f"Done: case {case.number} is open, and our team is chasing the carrier. We'll update you by email."
    )


def _snooze(conversation: Conversation, who: Who, context: dict[str, Any], turn: Turn) -> None:
    until = remind_at(turn.words, conversation.now, conversation.zone(who))
    _finish(conversation, context, ProactiveAnswer.SNOOZED, forget=False, snooze_until=until)
    snooze_proactive(conversation.uow(), conversation.ctx.conversation_id, until, conversation.now)
    local = until.astimezone(conversation.zone(who))
    if local.date() == conversation.today(who):
        conversation.say(f"Sure, I'll remind you later today, around {local:%H:%M} your time.")
    else:
        conversation.say(f"Sure, I'll remind you on {day(local.date())}.")


def _wants_a_person(turn: Turn) -> bool:
    return turn.intent == "contact_human_agent" or (
        turn.intent == "contact_customer_service" and bool(handoff.A_PERSON.search(turn.words))
    )


def _to_a_person(conversation: Conversation, context: dict[str, Any], turn: Turn) -> None:
    """A person after our message: queued with reason PROACTIVE, the message and its key for the agent."""
    _finish(conversation, context)
    said = "" if turn.is_button else f" The customer wrote: {turn.text}"
    note = (
        f'Answering our message {context.get("key") or "(no key)"}: "{context.get("message") or ""}".{said}'
    )
    handoff.queue(conversation, HandoffReason.PROACTIVE, note)


def _answered(
    conversation: Conversation,
    context: dict[str, Any],
    answer: ProactiveAnswer,
    *,
    snooze_until: datetime | None = None,
) -> None:
    key = context.get("key")
    if not key:
        return
    try:
        record_answer(conversation.uow(), str(key), answer, conversation.now, snooze_until=snooze_until)
    except ValueError:
        # A key too long to plan again, say: the customer's answer still stands in the chat.
        log.exception("answer %s to %s not recorded", answer.value, key)


def _finish(
    conversation: Conversation,
    context: dict[str, Any],
    answer: ProactiveAnswer | None = None,
    *,
    forget: bool = True,
    snooze_until: datetime | None = None,
) -> None:
    """The message is answered: no question left open, its stored context gone (kept for a snooze)."""
    conversation.done()
    conversation.state.proactive = None
    if answer is not None:
        _answered(conversation, context, answer, snooze_until=snooze_until)
    if forget:
        forget_proactive(conversation.uow(), conversation.ctx.conversation_id, conversation.now)

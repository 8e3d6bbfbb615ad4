"""Greetings, thanks, "what can you do", and short answers when nothing was asked."""

from __future__ import annotations

import re

from dialogue.conversation import Conversation
from dialogue.flows.fallback import TOPICS
from dialogue.registry import handles
from dialogue.texts import ANYTHING_ELSE
from dialogue.turn import Turn

HELP = (
    "I'm the shop's assistant. I can: track your orders and tell you when they arrive; cancel or change an "
    "order that hasn't shipped; start a return or a refund; find invoices and fix wrong ones; sort out "
    "payment problems; reorder your usual supplies; answer product questions and suggest what fits your "
    "machines; tell you when a device is due for service and book it; change how and when we contact you; "
    "and pass you to a person at any time."
)
GOODBYE = "Goodbye, and thanks for shopping with us!"
# Thanks that also end the chat: "thx bye", "thanks that's all", "cheers". A plain "thanks" in the
# middle of a conversation may still be followed by more, so only these skip "anything else?".
_CLOSING = re.compile(
    r"\b(?:bye+|byebye|goodbye|good bye|cya|see ya|see you|later then|ttyl|that'?s all|thats all|that'?s it|"
    r"thats it|that is all|that is it|that will be all|that'?ll be all|thatll be all|nothing else|all done|"
    r"i'?m done|im done|all sorted|"
    r"have a (?:good|nice|great) (?:day|one|evening|weekend))\b|^cheers\b"
)


_THANKED = re.compile(r"\b(?:thanks|thank you|thank u|thx|thnx|ty|ta|cheers)\b")


def closing(turn: Turn) -> bool:
    """Thanks or an acknowledgement that ends the conversation."""
    return turn.intent == "goodbye" or bool(_CLOSING.search(turn.words))


def say_goodbye(conversation: Conversation) -> None:
    waiting = conversation.state.handoff
    queue_note = (
        f" Your request for a colleague (case {waiting}) stays open: they'll answer here." if waiting else ""
    )
    conversation.say(f"You're welcome! {GOODBYE}{queue_note}")


@handles("greet")
def greet(conversation: Conversation, turn: Turn) -> None:
    who = conversation.who()
    name = f", {who.first_name}" if who and who.first_name else ""
    conversation.say(f"Hello{name}! I'm the shop's assistant. I can help with {TOPICS}. How can I help?")


@handles("goodbye")
def goodbye(conversation: Conversation, turn: Turn) -> None:
    if _THANKED.search(turn.words):
        say_goodbye(conversation)
        return
    conversation.say(GOODBYE)


@handles("thank")
def thank(conversation: Conversation, turn: Turn) -> None:
    if closing(turn):
        say_goodbye(conversation)
        return
    conversation.say(f"You're welcome! {ANYTHING_ELSE}")


@handles("bot_challenge")
def bot_challenge(conversation: Conversation, turn: Turn) -> None:
    conversation.say(
        "I'm a virtual assistant, not a person. I can pass you to a colleague whenever you like: just ask."
    )


@handles("help")
def help_(conversation: Conversation, turn: Turn) -> None:
    conversation.say(HELP + " What would you like to do?")


@handles("affirm")
def stray_yes(conversation: Conversation, turn: Turn) -> None:
    conversation.say(
        "Great! What can I do for you? For example, track an order, start a return, or ask about a product."
    )


@handles("deny", "never_mind")
def stray_no(conversation: Conversation, turn: Turn) -> None:
    conversation.say(f"No problem. {ANYTHING_ELSE}")


@handles("not_now", "remind_later")
def stray_later(conversation: Conversation, turn: Turn) -> None:
    conversation.say("No problem, there's nothing waiting for an answer. Just ask me whenever it suits you.")


@handles("choose")
def stray_choice(conversation: Conversation, turn: Turn) -> None:
    conversation.say("Sorry, I've lost track of what that choice was for. What would you like to do?")

"""Linking a Telegram chat to the customer's account, and what Telegram tells us about the chat.

The storefront's account page gives the logged-in customer a deep link `t.me/<bot>?start=<code>`;
Telegram sends `/start <code>` from the chat that opened it, which our Telegram channel turns
into `link_account` with the entity `code`. Linking happens only in a Telegram conversation
(`tg:<chat id>`, whose sender the channel verified with Telegram's secret header): the same
intent typed on the website links nothing.
"""

from __future__ import annotations

from crm.models import Channel
from crm.services.channel_links import LinkProblem, mark_reachable, mark_unreachable, redeem_link_code
from dialogue.conversation import Conversation
from dialogue.flows import fallback
from dialogue.flows.fallback import TOPICS
from dialogue.registry import handles
from dialogue.state import DialogueState
from dialogue.turn import Turn

TELEGRAM_PREFIX = "tg:"
BLOCKED = "blocked"
HOW_TO_LINK = (
    "To see your orders here, link this chat to your account: log in on our website, open "
    "My account and choose 'Connect Telegram'."
)


def telegram_chat(conversation: Conversation) -> str | None:
    """The Telegram chat id of this conversation, or None when it is not a Telegram conversation."""
    ctx = conversation.ctx
    if ctx.channel is not Channel.TELEGRAM or not ctx.conversation_id.startswith(TELEGRAM_PREFIX):
        return None
    return ctx.conversation_id.removeprefix(TELEGRAM_PREFIX) or None


@handles("link_account")
def link_account(conversation: Conversation, turn: Turn) -> None:
    chat = telegram_chat(conversation)
    if chat is None:
        conversation.say("Account links work only in Telegram: open the link from your account page there.")
        return
    code = turn.entity("code")
    if code is None:  # a plain /start: the chat was opened without a link
        who = conversation.who()
        if who is not None:
            conversation.say(f"Hello {who.first_name}! I can help with {TOPICS}. How can I help?")
        else:
            conversation.say(f"Hello! I'm the shop's assistant. {HOW_TO_LINK}")
        return
    result = redeem_link_code(conversation.uow(), Channel.TELEGRAM, code, chat, conversation.now)
    if result.customer is None:
        why = "has expired" if result.problem is LinkProblem.EXPIRED else "doesn't work any more"
        conversation.say(f"Sorry, that link {why}: each link works once, for 30 minutes. {HOW_TO_LINK}")
        return
    # From the next message on, the channel vouches for this customer: start their conversation.
    conversation.state = DialogueState(customer_id=result.customer.id)
    conversation.forget_who()
    conversation.say(
        f"Hi {result.customer.first_name}! This chat is now linked to your account, so I can help with "
        f"{TOPICS}, and we can send you updates here. Send /stop whenever you want no more news from us."
    )


@handles("channel_unreachable")
def typed_channel_event(conversation: Conversation, turn: Turn) -> None:
    """Typed by someone ("/channel_unreachable"): no channel said it, so it means nothing."""
    fallback.clarify(conversation, turn)


def channel_event(conversation: Conversation, turn: Turn) -> None:
    """A report from the channel itself, never from the customer: it changes the store, says nothing."""
    chat = telegram_chat(conversation)
    if chat is not None and turn.intent == "channel_unreachable" and turn.channel_event == BLOCKED:
        mark_unreachable(conversation.uow(), Channel.TELEGRAM, chat, conversation.now)


def writing_again(conversation: Conversation) -> None:
    """A message from a Telegram chat proves it can receive ours again (the customer unblocked us)."""
    chat = telegram_chat(conversation)
    if chat is not None:
        mark_reachable(conversation.uow(), Channel.TELEGRAM, chat)

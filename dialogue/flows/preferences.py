"""How and how often the shop contacts the customer. Each change is confirmed first, except an
opt-out, which takes effect at once and offers an undo."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from crm.models import Channel
from crm.services.preferences import (
    MIN_PER_WEEK,
    PreferencesView,
    preferences,
    set_marketing_consent,
    set_preferred_channel,
    set_quiet_hours,
)
from crm.services.preferences import message_less_often as halve_frequency
from dialogue.answers import Answer, classify
from dialogue.conversation import Conversation, Who, yes_no_buttons
from dialogue.flows.common import who_or_identify
from dialogue.registry import handles, resumes
from dialogue.state import Pending
from dialogue.texts import NOTHING_CHANGED
from dialogue.turn import Turn

FLOW = "preferences"
_CHANNEL_NAMES = {
    Channel.WEB: "the chat on our website",
    Channel.TELEGRAM: "Telegram",
    Channel.EMAIL: "email",
}
_CHANNEL_BUTTONS = [
    {"title": "Here on the website", "payload": '/set_preferred_channel{"channel":"web"}'},
    {"title": "Telegram", "payload": '/set_preferred_channel{"channel":"telegram"}'},
    {"title": "Email", "payload": '/set_preferred_channel{"channel":"email"}'},
]
UNDO_BUTTON = {"title": "Undo", "payload": "/undo"}
# "never message me before 8 am", "no texts after 10pm pls": a negation, then before/after a time.
_NOT_BEFORE = re.compile(
    r"\b(?:not|never|no|nothing|don'?t|dont)\b[^.?!]{0,30}?\bbefore (\d{1,2})(?::(\d{2}))?\s*(am|pm)?"
)
_NOT_AFTER = re.compile(
    r"\b(?:not|never|no|nothing|don'?t|dont)\b[^.?!]{0,30}?\bafter (\d{1,2})(?::(\d{2}))?\s*(am|pm)?"
)
_NIGHT = re.compile(r"\b(?:at night|night ?time|overnight|during the night|nights)\b")


def snapshot(view: PreferencesView) -> dict[str, Any]:
    return {
        "channel": view.preferred_channel.value,
        "quiet_start": view.quiet_hours_start.isoformat() if view.quiet_hours_start else None,
        "quiet_end": view.quiet_hours_end.isoformat() if view.quiet_hours_end else None,
        "per_week": view.max_proactive_per_week,
    }


@handles("set_preferred_channel")
def preferred_channel(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn, account=True)
    if who is None:
        return
    channel = turn.channel
    if channel not in {c.value for c in Channel}:
        conversation.ask(
            FLOW,
            "channel",
            "Where would you like to hear from us?",
            _CHANNEL_BUTTONS,
            data={"leaving": "the contact settings"},
        )
        return
    _confirm_channel(conversation, who, Channel(str(channel)))


def _confirm_channel(conversation: Conversation, who: Who, channel: Channel) -> None:
    current = preferences(conversation.uow(), who.customer_id)
    if current.preferred_channel is channel:
        conversation.done()
        conversation.say(f"We already contact you by {_CHANNEL_NAMES[channel]}; nothing to change.")
        return
    conversation.ask(
        FLOW,
        "confirm",
        f"Shall I contact you by {_CHANNEL_NAMES[channel]} from now on, instead of "
        f"{_CHANNEL_NAMES[current.preferred_channel]}?",
        yes_no_buttons(),
        data={"change": "channel", "channel": channel.value, "leaving": "the contact settings"},
    )


@handles("set_quiet_hours")
def quiet_hours(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn, account=True)
    if who is None:
        return
    span = _quiet_span(conversation, who, turn)
    if span is None:
        conversation.ask(
            FLOW,
            "quiet_hours",
            "When shouldn't I message you? Tell me a time range in your local time, for example 'from 22:00 "
            "to 07:00'.",
            data={"leaving": "the quiet hours"},
        )
        return
    _confirm_quiet(conversation, who, span)


def _confirm_quiet(conversation: Conversation, who: Who, span: tuple[time, time]) -> None:
    start, end = span
    conversation.ask(
        FLOW,
        "confirm",
        f"Shall I set quiet hours from {start:%H:%M} to {end:%H:%M} ({who.time_zone} time)? No messages from "
        "us then.",
        yes_no_buttons(),
        data={
            "change": "quiet",
            "start": start.isoformat(),
            "end": end.isoformat(),
            "leaving": "the quiet hours",
        },
    )


@handles("message_less_often")
def less_often(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn, account=True)
    if who is None:
        return
    current = preferences(conversation.uow(), who.customer_id).max_proactive_per_week
    after = max(MIN_PER_WEEK, current // 2)
    if after >= current:  # at the minimum already (or below it: never raise it)
        conversation.say(
            f"You're already at the minimum of {current} message a week. If you'd rather get no offers at "
            "all, say 'stop messages'."
        )
        return
    conversation.ask(
        FLOW,
        "confirm",
        f"Shall I send you at most {after} message(s) a week instead of {current}?",
        yes_no_buttons(),
        data={"change": "frequency", "leaving": "the contact settings"},
    )


@handles("stop_messages")
def stop_messages(conversation: Conversation, turn: Turn) -> None:
    opt_out(conversation, turn)


def opt_out(conversation: Conversation, turn: Turn) -> None:
    """Takes effect at once, no question asked, and offers the way back."""
    who = conversation.who()
    if who is None or not who.has_account_access:
        conversation.say(
            "I can stop our messages once I know who you are: log in on our website and open the chat there, "
            "or use "
            "the unsubscribe link at the bottom of any email from us."
        )
        return
    set_marketing_consent(conversation.uow(), who.customer_id, False, conversation.now)
    conversation.state.proactive = None
    conversation.changed("consent", "stopping our news and offers", granted=False)
    conversation.say(
        "Done: no more news or offers from us, on any channel. You'll still get messages you need about your "
        "own "
        'orders, devices and cases. Changed your mind? Say "undo".',
        [UNDO_BUTTON],
    )


@handles("resume_messages")
def resume_messages(conversation: Conversation, turn: Turn) -> None:
    who = who_or_identify(conversation, turn, account=True)
    if who is None:
        return
    conversation.ask(
        FLOW,
        "confirm",
        "Shall I start sending you our news and offers again? You can say 'stop' to any of them.",
        yes_no_buttons(),
        data={"change": "resume", "leaving": "the contact settings"},
    )


@resumes(FLOW)
def resume(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    who = conversation.who()
    if who is None or not who.has_account_access:
        return False
    if pending.step in ("channel", "quiet_hours") and classify(turn) in (Answer.NO, Answer.NOT_NOW):
        conversation.done()
        conversation.say(NOTHING_CHANGED)
        return True
    if pending.step == "channel":
        if turn.channel in {c.value for c in Channel}:
            _confirm_channel(conversation, who, Channel(str(turn.channel)))
            return True
        return False
    if pending.step == "quiet_hours":
        span = _quiet_span(conversation, who, turn)
        if span is None:
            return False
        _confirm_quiet(conversation, who, span)
        return True
    answer = classify(turn)
    if answer in (Answer.NO, Answer.NOT_NOW):
        conversation.done()
        conversation.say(NOTHING_CHANGED)
        return True
    if answer is not Answer.YES:
        return False
    conversation.done()
    _apply(conversation, who, pending.data)
    return True


def _apply(conversation: Conversation, who: Who, data: dict[str, Any]) -> None:
    uow, change = conversation.uow, data["change"]
    before = snapshot(preferences(uow(), who.customer_id))
    if change == "resume":
        set_marketing_consent(uow(), who.customer_id, True, conversation.now)
        conversation.changed("consent", "starting our news and offers again", granted=True)
        conversation.say(
            "Welcome back! You'll get news and offers from us again. You can say 'stop' at any time."
        )
        return
    if change == "channel":
        view = set_preferred_channel(uow(), who.customer_id, Channel(str(data["channel"])))
        name = _CHANNEL_NAMES[view.preferred_channel]
        extra = (
            ""
            if view.channel_reachable
            else (
                " To receive messages there, open our Telegram bot from the link on your account page once."
            )
        )
        conversation.say(f"Done: from now on I'll contact you by {name}.{extra}")
    elif change == "quiet":
        view = set_quiet_hours(
            uow(),
            who.customer_id,
            time.fromisoformat(str(data["start"])),
            time.fromisoformat(str(data["end"])),
        )
        conversation.say(
            f"Done: no messages from us between {view.quiet_hours_start:%H:%M} and "
            f"{view.quiet_hours_end:%H:%M} ({who.time_zone} time)."
        )
    else:
        frequency = halve_frequency(uow(), who.customer_id)
        conversation.say(
            f"Done: I'll send you at most {frequency.after} message(s) a week instead of {frequency.before}."
        )
    conversation.changed("preferences", "the change to your contact settings", before=before)


def _quiet_span(conversation: Conversation, who: Who, turn: Turn) -> tuple[time, time] | None:
    span = turn.quiet_hours
    if span is not None:
        return span
    current = preferences(conversation.uow(), who.customer_id)
    start = current.quiet_hours_start or time(21)
    end = current.quiet_hours_end or time(8)
    if match := _NOT_BEFORE.search(turn.words):
        return start, _clock(*match.groups())
    if match := _NOT_AFTER.search(turn.words):
        return _clock(*match.groups()), end
    if _NIGHT.search(turn.words):
        return time(21), time(8)
    return None


def _clock(hour: str, minute: str | None, meridiem: str | None) -> time:
    h = int(hour) % 24
    if meridiem == "pm" and h < 12:
        h += 12
    if meridiem == "am" and h == 12:
        h = 0
    return time(h, int(minute or 0))

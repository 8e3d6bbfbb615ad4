"""Who is writing: the sender of a conversation, mapped to a customer of the store."""

from __future__ import annotations

from rasa_sdk import Tracker

from crm.models import Channel
from crm.services.customers import CustomerView, identify_customer
from crm.services.errors import UnknownCustomer
from crm.uow import UnitOfWork

# Rasa input channel names -> the channel a customer identity is recorded under. The REST
# channel stands in for the website (the demo and tests use it as the widget would).
_CHANNEL_BY_INPUT = {
    "rest": Channel.WEB,
    "socketio": Channel.WEB,
    "telegram": Channel.TELEGRAM,
}


def channel_of(tracker: Tracker) -> Channel:
    return _CHANNEL_BY_INPUT.get(tracker.get_latest_input_channel() or "", Channel.WEB)


def current_customer(uow: UnitOfWork, tracker: Tracker) -> CustomerView | None:
    """The linked customer behind this conversation, or None for an unidentified visitor."""
    try:
        return identify_customer(uow, channel_of(tracker), tracker.sender_id)
    except UnknownCustomer:
        return None

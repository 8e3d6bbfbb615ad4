"""How and how often a customer wants to hear from us, and what they allow."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from crm.models import (
    Channel,
    CommunicationPreferences,
    Consent,
    ConsentPurpose,
    ConsentSource,
    MessageStyle,
)
from crm.uow import UnitOfWork

# For a customer without a preferences row (imported ones): the site's defaults.
DEFAULT_CHANNEL = Channel.WEB
DEFAULT_MAX_PER_WEEK = 2
MIN_PER_WEEK = 1

# "22:00", "10pm", "7 am", "22"; two of them with to/until/-/and between.
_TIME = r"(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?"
_RANGE = re.compile(rf"{_TIME}\s*(?:-|\u2013|to|until|till|and)\s*{_TIME}", re.IGNORECASE)


@dataclass(frozen=True)
class PreferencesView:
    preferred_channel: Channel
    quiet_hours_start: time | None
    quiet_hours_end: time | None
    max_proactive_per_week: int
    # Whether the customer has a linked chat identity on the preferred channel (email needs none).
    channel_reachable: bool


@dataclass(frozen=True)
class FrequencyChange:
    before: int
    after: int

    @property
    def changed(self) -> bool:
        return self.before != self.after


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """The first "start to end" pair of local times in `text`, or None."""
    match = _RANGE.search(text)
    if match is None:
        return None
    start = _to_time(*match.group(1, 2, 3))
    end = _to_time(*match.group(4, 5, 6))
    if start is None or end is None or start == end:
        return None
    return start, end


def preferences(uow: UnitOfWork, customer_id: int) -> PreferencesView:
    with uow:
        return _view(uow, _preferences_of(uow, customer_id))


def set_preferred_channel(uow: UnitOfWork, customer_id: int, channel: Channel) -> PreferencesView:
    with uow:
        prefs = _preferences_of(uow, customer_id)
        prefs.preferred_channel = channel
        view = _view(uow, prefs)
        uow.commit()
        return view


def set_quiet_hours(uow: UnitOfWork, customer_id: int, start: time, end: time) -> PreferencesView:
    """Stores local wall-clock quiet hours; start > end means they run over midnight."""
    with uow:
        prefs = _preferences_of(uow, customer_id)
        prefs.quiet_hours_start, prefs.quiet_hours_end = start, end
        view = _view(uow, prefs)
        uow.commit()
        return view


def restore_preferences(uow: UnitOfWork, customer_id: int, snapshot: PreferencesView) -> PreferencesView:
    """Puts channel, quiet hours and frequency back as they were (an undo)."""
    with uow:
        prefs = _preferences_of(uow, customer_id)
        prefs.preferred_channel = snapshot.preferred_channel
        prefs.quiet_hours_start, prefs.quiet_hours_end = snapshot.quiet_hours_start, snapshot.quiet_hours_end
        prefs.max_proactive_per_week = snapshot.max_proactive_per_week
        view = _view(uow, prefs)
        uow.commit()
        return view


def message_less_often(uow: UnitOfWork, customer_id: int) -> FrequencyChange:
    """Halves the weekly cap on proactive messages, not below one (stopping is its own intent)."""
    with uow:
        prefs = _preferences_of(uow, customer_id)
        before = prefs.max_proactive_per_week
        # Never raised: someone at 0 a week stays at 0.
        prefs.max_proactive_per_week = min(before, max(MIN_PER_WEEK, before // 2))
        change = FrequencyChange(before=before, after=prefs.max_proactive_per_week)
        uow.commit()
        return change


def marketing_consent(uow: UnitOfWork, customer_id: int) -> dict[Channel, bool]:
    """Marketing consent in force per channel; a channel never asked counts as not granted."""
    with uow:
        in_force = uow.consents.in_force(customer_id, ConsentPurpose.MARKETING)
        return {channel: in_force.get(channel, False) for channel in Channel}


def set_marketing_consent(uow: UnitOfWork, customer_id: int, granted: bool, now: datetime) -> None:
    """Records the decision for every channel; service messages (orders, devices) are untouched."""
    with uow:
        consents = uow.consents
        for channel in Channel:
            consents.add(
                Consent(
                    customer_id=customer_id,
                    purpose=ConsentPurpose.MARKETING,
                    channel=channel,
                    granted=granted,
                    recorded_at=now,
                    source=ConsentSource.CHAT,
                )
            )
        uow.commit()


def _to_time(hour: str, minute: str | None, meridiem: str | None) -> time | None:
    h, m = int(hour), int(minute or 0)
    if meridiem:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if meridiem.lower() == "pm" else 0)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        return None
    return time(h, m)


def _preferences_of(uow: UnitOfWork, customer_id: int) -> CommunicationPreferences:
    prefs = uow.preferences.for_customer(customer_id)
    if prefs is None:
        prefs = CommunicationPreferences(
            customer_id=customer_id,
            preferred_channel=DEFAULT_CHANNEL,
            max_proactive_per_week=DEFAULT_MAX_PER_WEEK,
            message_style=MessageStyle.SHORT,
        )
        uow.preferences.add(prefs)
    return prefs


def _view(uow: UnitOfWork, prefs: CommunicationPreferences) -> PreferencesView:
    channel = prefs.preferred_channel
    reachable = channel is Channel.EMAIL or channel in uow.customers.linked_channels(prefs.customer_id)
    return PreferencesView(
        preferred_channel=channel,
        quiet_hours_start=prefs.quiet_hours_start,
        quiet_hours_end=prefs.quiet_hours_end,
        max_proactive_per_week=prefs.max_proactive_per_week,
        channel_reachable=reachable,
    )

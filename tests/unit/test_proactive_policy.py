"""The pure policy: each rule on a frozen clock (12:00 in Berlin unless said otherwise)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm.models import Channel, ConsentPurpose, TriggerStatus
from proactive.assignment import in_control_group, in_holdout
from proactive.facts import Contact
from proactive.policy import PolicySettings, Reason, decide, policy_settings
from tests.support.proactive import facts, trigger

NOON_BERLIN = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
SETTINGS = PolicySettings(weekly_cap=3, control_percent=5)
SUBJECT = "product:12"


def first_id(predicate: object) -> int:
    return next(i for i in range(1, 10_000) if predicate(i))  # type: ignore[operator]


def test_allowed_on_the_preferred_channel() -> None:
    verdict = decide(facts(), trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT)
    assert (verdict.allowed, verdict.reason, verdict.channel) == (True, Reason.OK, Channel.TELEGRAM)


def test_the_kill_switch_and_a_paused_trigger_stop_even_service() -> None:
    service = trigger(category=ConsentPurpose.SERVICE)
    assert (
        decide(facts(kill_switch=True), service, NOON_BERLIN, SETTINGS, subject=SUBJECT).reason
        == "kill_switch"
    )
    paused = trigger(status=TriggerStatus.PAUSED)
    assert decide(facts(), paused, NOON_BERLIN, SETTINGS, subject=SUBJECT).reason == Reason.TRIGGER_PAUSED


def test_the_control_group_gets_no_marketing_but_still_gets_service() -> None:
    member = first_id(lambda i: in_control_group(i, 5))
    outsider = first_id(lambda i: not in_control_group(i, 5))
    assert (
        decide(facts(member), trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT).reason
        == Reason.CONTROL_GROUP
    )
    assert decide(facts(outsider), trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT).allowed
    service = trigger(category=ConsentPurpose.SERVICE)
    assert decide(facts(member), service, NOON_BERLIN, SETTINGS, subject=SUBJECT).allowed


def test_holdout_is_stable_per_trigger_and_customer() -> None:
    held = first_id(lambda i: in_holdout("refill", i, 20))
    spec = trigger(holdout_percent=20)
    settings = PolicySettings(control_percent=0)
    assert decide(facts(held), spec, NOON_BERLIN, settings, subject=SUBJECT).reason == Reason.HOLDOUT
    assert all(in_holdout("refill", held, 20) for _ in range(3))
    share = sum(in_holdout("refill", i, 20) for i in range(1, 5001)) / 5000
    assert 0.17 < share < 0.23


def test_only_customers_who_would_get_the_message_are_held_back() -> None:
    """Holdout and control must look like the treated: unreachable or unwelcome customers are
    blocked for that reason first, else the comparison would measure reachability, not the message."""
    spec = trigger(holdout_percent=20)
    held = first_id(lambda i: in_holdout("refill", i, 20) and not in_control_group(i, 5))
    member = first_id(lambda i: in_control_group(i, 5))
    no_consent = decide(facts(held, consents=frozenset()), spec, NOON_BERLIN, SETTINGS, subject=SUBJECT)
    complaint = decide(facts(member, complaint_open=True), spec, NOON_BERLIN, SETTINGS, subject=SUBJECT)
    eligible = decide(facts(held), spec, NOON_BERLIN, SETTINGS, subject=SUBJECT)
    assert (no_consent.reason, complaint.reason, eligible.reason) == (
        Reason.NO_CONSENT,
        Reason.COMPLAINT_OPEN,
        Reason.HOLDOUT,
    )


def test_consent_is_per_category_and_channel() -> None:
    # Marketing allowed on the web only; service on Telegram only; the customer prefers Telegram.
    consents = frozenset(
        {(ConsentPurpose.MARKETING, Channel.WEB), (ConsentPurpose.SERVICE, Channel.TELEGRAM)}
    )
    snapshot = facts(consents=consents)
    marketing = decide(snapshot, trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT)
    service = decide(
        snapshot, trigger(category=ConsentPurpose.SERVICE), NOON_BERLIN, SETTINGS, subject=SUBJECT
    )
    assert (marketing.allowed, marketing.channel) == (True, Channel.WEB)
    assert (service.allowed, service.channel) == (True, Channel.TELEGRAM)
    none = decide(facts(consents=frozenset()), trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT)
    assert none.reason == Reason.NO_CONSENT


def test_an_unreachable_preferred_channel_falls_back_and_none_left_is_no_channel() -> None:
    snapshot = facts(reachable=frozenset({Channel.EMAIL}))
    verdict = decide(snapshot, trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT)
    assert (verdict.allowed, verdict.channel) == (True, Channel.EMAIL)
    only_telegram = trigger(channels=("telegram",))
    assert decide(snapshot, only_telegram, NOON_BERLIN, SETTINGS, subject=SUBJECT).reason == Reason.NO_CHANNEL


def test_a_trigger_limited_to_one_channel_never_uses_the_preferred_other() -> None:
    verdict = decide(
        facts(preferred_channel=Channel.EMAIL),
        trigger(channels=("web",)),
        NOON_BERLIN,
        SETTINGS,
        subject=SUBJECT,
    )
    assert verdict.channel is Channel.WEB


def test_no_marketing_while_a_complaint_is_open_or_a_handoff_waits() -> None:
    service = trigger(category=ConsentPurpose.SERVICE)
    for snapshot, reason in (
        (facts(complaint_open=True), Reason.COMPLAINT_OPEN),
        (facts(handoff_waiting=True), Reason.HANDOFF_WAITING),
    ):
        assert decide(snapshot, trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT).reason == reason
        assert decide(snapshot, service, NOON_BERLIN, SETTINGS, subject=SUBJECT).allowed


def test_two_triggers_never_send_the_same_subject_within_the_cooldown() -> None:
    other = Contact(
        "service-due:1:product:12:2026-06-30",
        SUBJECT,
        2,
        ConsentPurpose.SERVICE,
        NOON_BERLIN - timedelta(days=3),
        True,
    )
    snapshot = facts(contacts=(other,))
    assert decide(snapshot, trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT).reason == Reason.DUPLICATE
    assert decide(snapshot, trigger(), NOON_BERLIN, SETTINGS, subject="product:13").allowed
    # Its own row is no duplicate of itself; an old one is past the cooldown.
    assert decide(snapshot, trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT, key=other.key).allowed
    old = facts(
        contacts=(Contact("k", SUBJECT, 2, ConsentPurpose.SERVICE, NOON_BERLIN - timedelta(days=31), True),)
    )
    assert decide(old, trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT).allowed


def test_a_no_starts_the_trigger_cooldown() -> None:
    said_no = facts(declined={1: NOON_BERLIN - timedelta(days=29)})
    assert decide(said_no, trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT).reason == Reason.COOLDOWN
    assert decide(said_no, trigger(id=2), NOON_BERLIN, SETTINGS, subject=SUBJECT).allowed
    long_ago = facts(declined={1: NOON_BERLIN - timedelta(days=31)})
    assert decide(long_ago, trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT).allowed


def sent(days_ago: float, n: int = 1) -> tuple[Contact, ...]:
    at = NOON_BERLIN - timedelta(days=days_ago)
    return tuple(
        Contact(f"k{days_ago}-{i}", f"s{days_ago}-{i}", 9, ConsentPurpose.SERVICE, at, True) for i in range(n)
    )


def test_the_rolling_cap_blocks_marketing_only_and_counts_every_send() -> None:
    service = trigger(category=ConsentPurpose.SERVICE)
    full = facts(contacts=sent(1, 2) + sent(6.9))  # three in the last 7 x 24 h: the global cap
    assert decide(full, trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT).reason == Reason.CAP
    assert decide(full, service, NOON_BERLIN, SETTINGS, subject=SUBJECT).allowed
    rolled = facts(contacts=sent(1, 2) + sent(7.01))
    assert decide(rolled, trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT).allowed
    # The customer's own maximum, when lower, is the cap; pending messages use none of it.
    own = facts(max_per_week=1, contacts=sent(2))
    assert decide(own, trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT).reason == Reason.CAP
    pending = facts(
        max_per_week=1, contacts=(Contact("p", "s", 9, ConsentPurpose.SERVICE, NOON_BERLIN, False),)
    )
    assert decide(pending, trigger(), NOON_BERLIN, SETTINGS, subject=SUBJECT).allowed


def test_quiet_hours_and_the_window_defer_with_the_next_local_instant() -> None:
    night = datetime(2026, 7, 1, 21, 30, tzinfo=UTC)  # 23:30 in Berlin
    verdict = decide(facts(), trigger(), night, SETTINGS, subject=SUBJECT)
    assert (verdict.allowed, verdict.reason) == (False, Reason.QUIET_HOURS)
    assert verdict.retry_at == datetime(2026, 7, 2, 7, 0, tzinfo=UTC)  # 09:00 Berlin, the window opens
    evening = datetime(2026, 7, 1, 18, 30, tzinfo=UTC)  # 20:30: after the window, before quiet hours
    verdict = decide(facts(), trigger(), evening, SETTINGS, subject=SUBJECT)
    assert verdict.reason == Reason.OUTSIDE_WINDOW and verdict.retry_at == datetime(
        2026, 7, 2, 7, 0, tzinfo=UTC
    )
    # The same instant is midday for a customer in New York.
    assert decide(facts(time_zone="America/New_York"), trigger(), evening, SETTINGS, subject=SUBJECT).allowed


def test_settings_come_from_the_environment_and_bad_values_are_refused() -> None:
    assert policy_settings({}) == PolicySettings(weekly_cap=3, control_percent=5.0)
    assert policy_settings({"PROACTIVE_WEEKLY_CAP": "2", "PROACTIVE_CONTROL_PERCENT": "0"}) == PolicySettings(
        2, 0.0
    )
    for bad in (
        {"PROACTIVE_WEEKLY_CAP": "three"},
        {"PROACTIVE_CONTROL_PERCENT": "80"},
        {"PROACTIVE_WEEKLY_CAP": "-1"},
    ):
        with pytest.raises(ValueError, match="PROACTIVE_"):
            policy_settings(bad)


def test_the_control_group_is_about_the_configured_share_and_independent_of_triggers() -> None:
    members = [i for i in range(1, 20_001) if in_control_group(i, 5)]
    assert 0.045 < len(members) / 20_000 < 0.055
    # Holdouts of two triggers are drawn independently of each other and of the control group.
    held = {i for i in range(1, 20_001) if in_holdout("refill", i, 10)}
    other = {i for i in range(1, 20_001) if in_holdout("service", i, 10)}
    assert 0.005 < len(held & other) / 20_000 < 0.015
    assert 0.002 < len(held & set(members)) / 20_000 < 0.008

"""How each demo customer can be reached and what they allowed: identities, preferences, consents."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any

from crm.demo.people import Person, email_local_part
from crm.models.enums import Channel, ConsentPurpose, ConsentSource, LinkState, MessageStyle

Row = dict[str, Any]

PREFERRED_CHANNELS = {Channel.WEB: 45, Channel.TELEGRAM: 30, Channel.EMAIL: 25}
QUIET_HOURS: dict[tuple[time, time] | None, int] = {
    (time(21, 0), time(8, 0)): 65,
    (time(22, 0), time(7, 0)): 20,
    None: 15,
}
MAX_PROACTIVE_PER_WEEK = {0: 7, 1: 30, 2: 40, 3: 23}
SERVICE_CONSENT_SHARE = 0.97
MARKETING_CONSENT_SHARE = 0.60
MARKETING_WITHDRAWN_SHARE = 0.12


def external_ref(number: int) -> str:
    return f"C{number:05d}"


def customer_row(rng: random.Random, number: int, person: Person, created_at: datetime) -> Row:
    # The customer number in the address keeps emails unique however often names repeat.
    local = f"{email_local_part(person.first_name)}.{email_local_part(person.surname)}.{number}"
    # C00001 draws nothing from `rng`, so the showcase customer is the same for every seed.
    domain = "example.com" if number == 1 or rng.random() < 0.7 else "example.org"
    return {
        "id": number,
        "external_ref": external_ref(number),
        "name": person.name,
        "email": f"{local}@{domain}",
        "phone": person.phone,
        "time_zone": person.time_zone,
        "language": person.language,
        "country": person.country,
        "city": person.city,
        "postcode": person.postcode,
        "street": person.street,
        "created_at": created_at,
    }


def random_preferences(rng: random.Random) -> Row:
    quiet = rng.choices(list(QUIET_HOURS), weights=list(QUIET_HOURS.values()))[0]
    return {
        "preferred_channel": rng.choices(list(PREFERRED_CHANNELS), weights=list(PREFERRED_CHANNELS.values()))[
            0
        ],
        "quiet_hours_start": quiet[0] if quiet else None,
        "quiet_hours_end": quiet[1] if quiet else None,
        "max_proactive_per_week": rng.choices(
            list(MAX_PROACTIVE_PER_WEEK), weights=list(MAX_PROACTIVE_PER_WEEK.values())
        )[0],
        "message_style": MessageStyle.SHORT if rng.random() < 0.6 else MessageStyle.DETAILED,
    }


class ChatIds:
    """Unique, deterministic nine-digit Telegram chat ids."""

    def __init__(self) -> None:
        self._used: set[int] = set()

    def draw(self, rng: random.Random) -> str:
        while (chat_id := rng.randrange(100_000_000, 1_000_000_000)) in self._used:
            pass
        self._used.add(chat_id)
        return str(chat_id)


def identities(
    rng: random.Random, chat_ids: ChatIds, customer: Row, preferred: Channel, as_of: datetime
) -> list[Row]:
    """Everyone has a linked web identity; Telegram fans also linked their chat."""
    created: datetime = customer["created_at"]
    rows: list[Row] = [
        {
            "customer_id": customer["id"],
            "channel": Channel.WEB,
            "external_id": customer["external_ref"],  # the storefront account: its login mints chat tokens
            "link_state": LinkState.LINKED,
            "linked_at": created,
        }
    ]
    if preferred is Channel.TELEGRAM:
        linked_at = created + min(timedelta(days=rng.uniform(0, 30)), (as_of - created) * rng.random())
        rows.append(
            {
                "customer_id": customer["id"],
                "channel": Channel.TELEGRAM,
                "external_id": chat_ids.draw(rng),
                "link_state": LinkState.LINKED,
                "linked_at": linked_at,
            }
        )
    return rows


def consents(
    rng: random.Random, customer: Row, preferred: Channel, as_of: datetime, *, sure: bool
) -> list[Row]:
    """Append-only consent history: signup decisions, then perhaps a marketing opt-out in chat.

    `sure` grants both purposes without a later withdrawal (the showcase customer).
    """
    created: datetime = customer["created_at"]

    def row(purpose: ConsentPurpose, granted: bool, at: datetime, source: ConsentSource) -> Row:
        return {
            "customer_id": customer["id"],
            "purpose": purpose,
            "channel": preferred,
            "granted": granted,
            "recorded_at": at,
            "source": source,
        }

    rows = []
    if sure or rng.random() < SERVICE_CONSENT_SHARE:
        rows.append(row(ConsentPurpose.SERVICE, True, created, ConsentSource.SIGNUP))
    if sure or rng.random() < MARKETING_CONSENT_SHARE:
        rows.append(row(ConsentPurpose.MARKETING, True, created, ConsentSource.SIGNUP))
        if not sure and rng.random() < MARKETING_WITHDRAWN_SHARE:
            withdrawn = created + (as_of - created) * rng.uniform(0.1, 1.0)
            rows.append(row(ConsentPurpose.MARKETING, False, withdrawn, ConsentSource.CHAT))
    return rows

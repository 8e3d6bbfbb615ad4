"""Multi-turn conversation scenarios (tests/scenarios/*.yml), played against a running system.

A scenario names a persona (a demo customer with the right history, or a visitor), then lists
turns: what the customer types, what the reply must (and must not) say, and finally what the
store must show afterwards. Texts may use the persona's facts: `{order}`, `{first_name}`, ...

```yaml
- name: a cancel request can be left with "forget it"
  persona: changeable
  turns:
    - say: pls cancel my order
      expect: ["{order}"]
    - say: forget it
      expect: ["nothing was changed"]
  store:
    order_status: {"{order}": "{status}"}
```

A scenario may start with a message the shop sends first (`proactive:` its context, with
`kind` and `message`; the key and customer are added), delivered as the pump delivers it; the
store checks `outbox_answer` and `outbox_snoozed` then read its outbox row.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.models import (
    CaseKind,
    CaseStatus,
    Consent,
    ConsentPurpose,
    Customer,
    Order,
    OrderStatusEvent,
    OutboxState,
    Product,
    Review,
    SupportCase,
)
from crm.services.preferences import marketing_consent, preferences
from crm.uow import UnitOfWork
from tests.support.live import LiveSystem, Reply
from tests.support.personas import Facts, Personas
from tests.support.proactive_messages import outbox_row, push_proactive

SCENARIOS_DIR = Path(__file__).resolve().parents[1] / "scenarios"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Turn:
    say: str
    expect: tuple[str, ...] = ()
    expect_any: tuple[str, ...] = ()
    reject: tuple[str, ...] = ()
    buttons: bool | None = None
    silent: bool = False


@dataclass(frozen=True)
class Scenario:
    name: str
    persona: str
    turns: tuple[Turn, ...]
    store: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    # The context of a proactive message delivered before the first turn.
    proactive: dict[str, Any] | None = None


@dataclass
class Outcome:
    scenario: Scenario
    facts: Facts
    conversation_id: str
    transcript: list[tuple[str, Reply, dict[str, Any]]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def report(self) -> str:
        lines = [
            f"scenario: {self.scenario.name} ({self.scenario.source}) as {self.facts.get('ref', 'a visitor')}"
        ]
        for said, reply, parse in self.transcript:
            lines.append(f"  > {said}")
            lines.append(
                f"    [{parse.get('intent', '?')} {parse.get('confidence', 0):.2f}"
                f"{' +' + ','.join(parse['requests']) if parse.get('requests') else ''}"
                f"{' ' + str(parse['entities']) if parse.get('entities') else ''}]"
                f"{' pending=' + parse['pending'] if parse.get('pending') else ''}"
            )
            for text in reply.texts or ["(no reply)"]:
                lines.append(f"    < {text}")
            if reply.buttons:
                lines.append(f"      buttons: {[b.get('title') for b in reply.buttons]}")
        lines += [f"  FAILED: {failure}" for failure in self.failures]
        return "\n".join(lines)


def load_scenarios(folder: Path = SCENARIOS_DIR) -> list[Scenario]:
    scenarios = []
    for path in sorted(folder.glob("*.yml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            turns = tuple(
                Turn(
                    say=str(t["say"]),
                    expect=tuple(t.get("expect") or ()),
                    expect_any=tuple(t.get("expect_any") or ()),
                    reject=tuple(t.get("reject") or ()),
                    buttons=t.get("buttons"),
                    silent=bool(t.get("silent", False)),
                )
                for t in raw["turns"]
            )
            scenarios.append(
                Scenario(
                    raw["name"],
                    raw.get("persona", "customer"),
                    turns,
                    raw.get("store") or {},
                    path.name,
                    raw.get("proactive"),
                )
            )
    names = [s.name for s in scenarios]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"scenario names must be unique: {sorted(duplicates)}")
    return scenarios


def fill(template: str, facts: Facts) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: facts.get(m.group(1), m.group(0)), template)


class Player:
    """Plays scenarios against `system`, whose store is `store`."""

    def __init__(self, system: LiveSystem, store: Engine, personas: Personas) -> None:
        self.system, self.store, self.personas = system, store, personas

    def play(self, scenario: Scenario) -> Outcome:
        facts = self.personas.allocate(scenario.persona)
        visitor = scenario.persona == "visitor"
        outcome = Outcome(
            scenario, facts, f"scn-{next(_ids)}-{re.sub(r'[^a-z0-9]+', '-', scenario.name.lower())[:40]}"
        )
        if scenario.proactive is not None:
            outcome.failures += self._push(scenario.proactive, facts, outcome.conversation_id)
        before = self._snapshot(facts)
        for turn in scenario.turns:
            said = fill(turn.say, facts)
            reply = self.system.send(
                outcome.conversation_id, said, customer=None if visitor else facts["ref"]
            )
            outcome.transcript.append((said, reply, self._parse_info(outcome.conversation_id)))
            outcome.failures += self._check_reply(turn, reply, facts, said)
        outcome.failures += self._check_store(scenario.store, facts, before, outcome.conversation_id)
        return outcome

    def _push(self, spec: dict[str, Any], facts: Facts, conversation_id: str) -> list[str]:
        with Session(self.store) as session:
            customer_id = self._customer_id(session, facts)
        assert customer_id is not None, "a proactive message needs a customer persona"
        context = {
            name: fill(value, facts) if isinstance(value, str) else value for name, value in spec.items()
        }
        context.update(key=proactive_key(conversation_id), customer_id=customer_id)
        shown = push_proactive(self.system, self.store, f"rest:{conversation_id}", context)
        return [] if context["message"] in shown else [f"the proactive message was not shown: {shown!r}"]

    def _parse_info(self, conversation_id: str) -> dict[str, Any]:
        tracker = self.system.tracker(f"rest:{conversation_id}")
        user = next((e for e in reversed(tracker.get("events") or []) if e.get("event") == "user"), {})
        parse = user.get("parse_data") or {}
        state = (tracker.get("slots") or {}).get("dialogue") or {}
        pending = state.get("pending") or {}
        return {
            "intent": (parse.get("intent") or {}).get("name"),
            "confidence": (parse.get("intent") or {}).get("confidence") or 0.0,
            "requests": parse.get("requests") or [],
            "entities": {e.get("entity"): e.get("value") for e in parse.get("entities") or []},
            "pending": f"{pending.get('flow')}/{pending.get('step')}" if pending else "",
        }

    @staticmethod
    def _check_reply(turn: Turn, reply: Reply, facts: Facts, said: str) -> list[str]:
        text = reply.text.lower()
        failures = []
        if turn.silent:
            return [f"after {said!r}: expected no reply, got {reply.text!r}"] if reply.texts else []
        if not reply.texts:
            return [f"after {said!r}: no reply at all"]
        for wanted in turn.expect:
            if fill(wanted, facts).lower() not in text:
                failures.append(f"after {said!r}: reply lacks {fill(wanted, facts)!r}")
        if turn.expect_any and not any(fill(w, facts).lower() in text for w in turn.expect_any):
            failures.append(f"after {said!r}: reply has none of {[fill(w, facts) for w in turn.expect_any]}")
        for unwanted in turn.reject:
            if fill(unwanted, facts).lower() in text:
                failures.append(f"after {said!r}: reply must not say {fill(unwanted, facts)!r}")
        if "didn't get that" in text and "didn't get that" not in [w.lower() for w in turn.expect]:
            failures.append(f"after {said!r}: answered with 'I didn't get that'")
        if "none" in re.findall(r"order (none)\b", text):
            failures.append(f"after {said!r}: says 'order None'")
        if turn.buttons is True and not reply.buttons:
            failures.append(f"after {said!r}: expected buttons")
        if turn.buttons is False and reply.buttons:
            failures.append(f"after {said!r}: expected no buttons")
        return failures

    # --- the store ---------------------------------------------------------------------------
    def _snapshot(self, facts: Facts) -> dict[str, Any]:
        with Session(self.store) as session:
            customer_id = self._customer_id(session, facts)
            return {
                "cases": {
                    c.id
                    for c in session.scalars(
                        select(SupportCase).where(SupportCase.customer_id == customer_id)
                    )
                },
                "orders": {
                    o.id for o in session.scalars(select(Order).where(Order.customer_id == customer_id))
                },
                "reviews": {
                    r.id for r in session.scalars(select(Review).where(Review.customer_id == customer_id))
                },
                "consents": {
                    c.id for c in session.scalars(select(Consent).where(Consent.customer_id == customer_id))
                },
            }

    @staticmethod
    def _customer_id(session: Session, facts: Facts) -> int | None:
        ref = facts.get("ref")
        return session.scalar(select(Customer.id).where(Customer.external_ref == ref)) if ref else None

    def _check_store(
        self, expected: dict[str, Any], facts: Facts, before: dict[str, Any], conversation_id: str
    ) -> list[str]:
        failures: list[str] = []
        with Session(self.store) as session:
            customer_id = self._customer_id(session, facts)
            for key, spec in expected.items():
                check = _STORE_CHECKS.get(key)
                if check is None:
                    failures.append(f"unknown store check {key!r}")
                    continue
                failures += check(self, session, customer_id, spec, facts, before, conversation_id)
        return failures

    def _new_cases(
        self, session: Session, customer_id: int | None, before: dict[str, Any], conversation_id: str
    ) -> list[SupportCase]:
        query = select(SupportCase).where(
            (SupportCase.customer_id == customer_id)
            if customer_id
            else (SupportCase.conversation_id == f"rest:{conversation_id}")
        )
        return [c for c in session.scalars(query) if c.id not in before["cases"]]


def _check_order_status(
    player: Player,
    session: Session,
    customer_id: int | None,
    spec: Any,
    facts: Facts,
    before: dict[str, Any],
    cid: str,
) -> list[str]:
    failures = []
    for number, status in spec.items():
        number, status = fill(str(number), facts), fill(str(status), facts)
        actual = session.scalar(select(Order.status).where(Order.number == number))
        if actual is None or actual.value != status:
            failures.append(f"order {number} is {actual.value if actual else 'missing'}, expected {status}")
    return failures


def _check_order_note(
    player: Player,
    session: Session,
    customer_id: int | None,
    spec: Any,
    facts: Facts,
    before: dict[str, Any],
    cid: str,
) -> list[str]:
    failures = []
    for number, text in spec.items():
        number, text = fill(str(number), facts), fill(str(text), facts)
        notes = session.scalars(select(OrderStatusEvent.note).join(Order).where(Order.number == number)).all()
        if not any(text.lower() in (note or "").lower() for note in notes):
            failures.append(f"order {number} has no note containing {text!r} (notes: {notes[-3:]})")
    return failures


def _check_new_cases(
    player: Player,
    session: Session,
    customer_id: int | None,
    spec: Any,
    facts: Facts,
    before: dict[str, Any],
    cid: str,
) -> list[str]:
    new = player._new_cases(session, customer_id, before, cid)
    if isinstance(spec, int):
        return (
            []
            if len(new) == spec
            else [f"{len(new)} new cases ({[(c.kind.value, c.topic) for c in new]}), expected {spec}"]
        )
    failures = []
    if len(new) != len(spec):
        failures.append(
            f"{len(new)} new cases ({[(c.kind.value, c.topic, c.status.value) for c in new]}), expected "
            f"{len(spec)}"
        )
    for wanted in spec:
        matches = [c for c in new if _case_matches(session, c, wanted, facts)]
        if not matches:
            failures.append(
                f"no new case like {wanted} among {[(c.kind.value, c.topic, c.status.value) for c in new]}"
            )
    return failures


def _case_matches(session: Session, case: SupportCase, wanted: dict[str, Any], facts: Facts) -> bool:
    if "kind" in wanted and case.kind is not CaseKind(wanted["kind"]):
        return False
    if "status" in wanted and case.status is not CaseStatus(wanted["status"]):
        return False
    if "order" in wanted:
        order = session.get(Order, case.order_id) if case.order_id else None
        if (order.number if order else None) != (
            fill(str(wanted["order"]), facts) if wanted["order"] else None
        ):
            return False
    if "product" in wanted:
        product = session.get(Product, case.product_id) if case.product_id else None
        if product is None or fill(str(wanted["product"]), facts).lower() not in product.name.lower():
            return False
    if (
        "text" in wanted
        and fill(str(wanted["text"]), facts).lower() not in (case.description + case.topic).lower()
    ):
        return False
    return "reason" not in wanted or (case.reason.value if case.reason else None) == wanted["reason"]


def _check_new_orders(
    player: Player,
    session: Session,
    customer_id: int | None,
    spec: Any,
    facts: Facts,
    before: dict[str, Any],
    cid: str,
) -> list[str]:
    new = [
        o
        for o in session.scalars(select(Order).where(Order.customer_id == customer_id))
        if o.id not in before["orders"]
    ]
    return [] if len(new) == int(spec) else [f"{len(new)} new orders, expected {spec}"]


def _check_new_reviews(
    player: Player,
    session: Session,
    customer_id: int | None,
    spec: Any,
    facts: Facts,
    before: dict[str, Any],
    cid: str,
) -> list[str]:
    new = [
        r
        for r in session.scalars(select(Review).where(Review.customer_id == customer_id))
        if r.id not in before["reviews"]
    ]
    if isinstance(spec, int):
        return [] if len(new) == spec else [f"{len(new)} new reviews, expected {spec}"]
    failures = []
    for wanted in spec:
        ok = False
        for review in new:
            product = session.get(Product, review.product_id) if review.product_id else None
            if "rating" in wanted and review.rating != int(wanted["rating"]):
                continue
            if "product" in wanted and (
                product is None or fill(str(wanted["product"]), facts).lower() not in product.name.lower()
            ):
                continue
            ok = True
        if not ok:
            failures.append(f"no new review like {wanted}")
    return failures


def _check_consent(
    player: Player,
    session: Session,
    customer_id: int | None,
    spec: Any,
    facts: Facts,
    before: dict[str, Any],
    cid: str,
) -> list[str]:
    assert customer_id is not None
    granted = any(marketing_consent(UnitOfWork.for_engine(player.store), customer_id).values())
    return [] if granted is bool(spec) else [f"marketing consent is {granted}, expected {spec}"]


def _check_consent_rows(
    player: Player,
    session: Session,
    customer_id: int | None,
    spec: Any,
    facts: Facts,
    before: dict[str, Any],
    cid: str,
) -> list[str]:
    new = [
        c
        for c in session.scalars(
            select(Consent).where(
                Consent.customer_id == customer_id, Consent.purpose == ConsentPurpose.MARKETING
            )
        )
        if c.id not in before["consents"]
    ]
    return (
        []
        if (len(new) > 0) == bool(spec)
        else [f"{len(new)} new consent rows, expected {'some' if spec else 'none'}"]
    )


def _check_preferences(
    player: Player,
    session: Session,
    customer_id: int | None,
    spec: Any,
    facts: Facts,
    before: dict[str, Any],
    cid: str,
) -> list[str]:
    assert customer_id is not None
    view = preferences(UnitOfWork.for_engine(player.store), customer_id)
    actual = {
        "channel": view.preferred_channel.value,
        "quiet": f"{view.quiet_hours_start:%H:%M}-{view.quiet_hours_end:%H:%M}"
        if view.quiet_hours_start and view.quiet_hours_end
        else None,
        "per_week": view.max_proactive_per_week,
    }
    return [
        f"preference {key} is {actual.get(key)!r}, expected {value!r}"
        for key, value in spec.items()
        if actual.get(key) != value
    ]


def _check_handoff(
    player: Player,
    session: Session,
    customer_id: int | None,
    spec: Any,
    facts: Facts,
    before: dict[str, Any],
    cid: str,
) -> list[str]:
    cases = session.scalars(
        select(SupportCase).where(
            SupportCase.conversation_id == f"rest:{cid}", SupportCase.kind == CaseKind.HANDOFF
        )
    ).all()
    if spec == "none":
        return (
            [] if not cases else [f"expected no handoff, found {[(c.number, c.status.value) for c in cases]}"]
        )
    count = spec.get("count", 1) if isinstance(spec, dict) else 1
    status = spec.get("status", "waiting_agent") if isinstance(spec, dict) else str(spec)
    failures = []
    if len(cases) != count:
        failures.append(f"{len(cases)} handoff cases for the conversation, expected {count}")
    if cases and cases[-1].status.value != status:
        failures.append(f"handoff case is {cases[-1].status.value}, expected {status}")
    if (
        isinstance(spec, dict)
        and "details" in spec
        and fill(spec["details"], facts).lower() not in cases[-1].description.lower()
    ):
        failures.append(f"handoff case lacks the details {spec['details']!r}")
    return failures


def _check_paused(
    player: Player,
    session: Session,
    customer_id: int | None,
    spec: Any,
    facts: Facts,
    before: dict[str, Any],
    cid: str,
) -> list[str]:
    paused = bool(player.system.tracker(f"rest:{cid}").get("paused"))
    return [] if paused is bool(spec) else [f"conversation paused={paused}, expected {spec}"]


def proactive_key(conversation_id: str) -> str:
    return f"scenario:{conversation_id}"


def _check_outbox_answer(
    player: Player,
    session: Session,
    customer_id: int | None,
    spec: Any,
    facts: Facts,
    before: dict[str, Any],
    cid: str,
) -> list[str]:
    row = outbox_row(player.store, proactive_key(cid))
    if row is None:
        return ["no outbox row for the proactive message"]
    actual = row.answer.value if row.answer else "none"
    return [] if actual == str(spec) else [f"the outbox answer is {actual}, expected {spec}"]


def _check_outbox_snoozed(
    player: Player,
    session: Session,
    customer_id: int | None,
    spec: Any,
    facts: Facts,
    before: dict[str, Any],
    cid: str,
) -> list[str]:
    """`{days: 3}`: planned again for that many days later, customer's local date; `false`: not at all."""
    again = outbox_row(player.store, f"{proactive_key(cid)}:snooze:1")
    if spec is False:
        return [] if again is None else [f"the message was planned again for {again.not_before}"]
    if again is None or again.state is not OutboxState.PENDING:
        return [f"the message was not planned again ({again.state if again else 'no row'})"]
    customer = session.get(Customer, customer_id)
    assert customer is not None
    zone = ZoneInfo(customer.time_zone)
    now = player.system.settings.now()
    days = (again.not_before.astimezone(zone).date() - now.astimezone(zone).date()).days
    wanted = int(spec.get("days", 7)) if isinstance(spec, dict) else 7
    return [] if days == wanted else [f"planned again {days} days later, expected {wanted}"]


_STORE_CHECKS: dict[str, Callable[..., list[str]]] = {
    "order_status": _check_order_status,
    "order_note": _check_order_note,
    "new_cases": _check_new_cases,
    "new_orders": _check_new_orders,
    "new_reviews": _check_new_reviews,
    "marketing_consent": _check_consent,
    "consent_changed": _check_consent_rows,
    "preferences": _check_preferences,
    "handoff": _check_handoff,
    "paused": _check_paused,
    "outbox_answer": _check_outbox_answer,
    "outbox_snoozed": _check_outbox_snoozed,
}

"""A customer's data rights: everything we hold about them as JSON, and erasure.

Erasure deletes the customer's store rows (orders, cases, outbox, contexts, links, ...) and, through
the caller, the events of their conversations in Rasa's tracker store. What must outlive them is
kept only under a keyed hash (HMAC-SHA256 with a secret of the shop): the consent history and the
audit trail, so the shop can still show what was allowed and done; and a suppression entry per
identifier, so a later import or demo seed does not bring the customer back.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm.chat_tokens import load_or_create_secret
from crm.models import Channel
from crm.services.audit import audit
from crm.settings import VAR_DIR
from crm.uow import UnitOfWork

EXPORT_FORMAT = "customer-export/1"
# Generated once (mode 0600) unless SUPPRESSION_SECRET is set: the key of the hashes under which an
# erased customer's audit trail, consent history and suppressions are kept.
SUPPRESSION_SECRET_FILE = VAR_DIR / "suppression-secret"


def load_suppression_secret(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get("SUPPRESSION_SECRET") or load_or_create_secret(SUPPRESSION_SECRET_FILE)


class UnknownCustomerRef(LookupError):
    pass


@dataclass(frozen=True)
class ErasureResult:
    subject: str  # the hashed subject the audit trail and consent history are kept under
    deleted: dict[str, int]
    conversations: tuple[str, ...]


def identifier_hash(secret: str, kind: str, value: str) -> str:
    """The keyed hash of one identifier ("email", "ref", "phone", "telegram"), normalised first."""
    normal = (
        value.strip().lower() if kind != "phone" else "".join(ch for ch in value if ch.isdigit() or ch == "+")
    )
    return hmac.new(secret.encode(), f"{kind}:{normal}".encode(), hashlib.sha256).hexdigest()


def customer_subject(ref: str) -> str:
    """How the audit log names a customer while they exist."""
    return f"customer:{ref}"


def export_customer(uow: UnitOfWork, ref: str, now: datetime) -> dict[str, Any]:
    """Every row about the customer, table by table, plus the audit entries about them."""
    with uow:
        customer = uow.customers.by_ref(ref)
        if customer is None:
            raise UnknownCustomerRef(ref)
        conversations = sorted(_conversations(uow, customer.id, customer.external_ref))
        tables = uow.personal_data.rows(customer.id, conversations)
        history = [
            {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "before": e.before,
                "after": e.after,
            }
            for e in uow.audit.about(customer_subject(ref))
        ]
    return {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "customer_ref": ref,
        "conversations": conversations,
        "tables": tables,
        "audit": history,
    }


def erase_customer(
    uow: UnitOfWork,
    ref: str,
    secret: str,
    now: datetime,
    *,
    actor: str,
    forget_conversations: Callable[[Iterable[str]], object],
) -> ErasureResult:
    """Erases the customer. `forget_conversations` deletes the tracker events of the given
    conversations (in Rasa, under each conversation's lock); it runs before the store rows go,
    and if it fails nothing in the store is deleted, so the erasure can simply be repeated."""
    if not secret:
        raise ValueError("erasure needs the suppression secret")
    with uow:
        customer = uow.customers.by_ref(ref)
        if customer is None:
            raise UnknownCustomerRef(ref)
        conversations = tuple(sorted(_conversations(uow, customer.id, customer.external_ref)))
        identifiers = [("ref", customer.external_ref)]
        if customer.email:
            identifiers.append(("email", customer.email))
        if customer.phone:
            identifiers.append(("phone", customer.phone))
        identifiers += [
            ("telegram", identity.external_id)
            for identity in uow.customers.identities_of(customer.id, Channel.TELEGRAM)
        ]
        customer_id = customer.id
    forget_conversations(conversations)
    subject = f"customer:hmac:{identifier_hash(secret, 'ref', ref)}"
    with uow:
        rows = uow.personal_data.rows(customer_id, conversations)
        consents = [
            {k: row[k] for k in ("purpose", "channel", "granted", "recorded_at", "source")}
            for row in rows.get("consents", [])
        ]
        for entry in uow.audit.about(customer_subject(ref)):
            entry.subject = subject
        for kind, value in identifiers:
            uow.audit.suppress(identifier_hash(secret, kind, value), kind, now)
        deleted = uow.personal_data.delete(customer_id, conversations)
        audit(
            uow,
            actor,
            "customer.erased",
            subject,
            {"consent_history": consents},
            {"deleted_rows": deleted, "conversations": len(conversations)},
            now,
        )
        uow.commit()
    return ErasureResult(subject, deleted, conversations)


def suppressed_refs(
    uow: UnitOfWork, secret: str, refs_and_emails: Iterable[tuple[str, str | None]]
) -> set[str]:
    """The references among `(ref, email)` pairs that belong to erased customers (importers skip them)."""
    pairs = list(refs_and_emails)
    hashes: dict[str, str] = {}
    for ref, email in pairs:
        hashes[identifier_hash(secret, "ref", ref)] = ref
        if email:
            hashes[identifier_hash(secret, "email", email)] = ref
    with uow:
        found = uow.audit.suppressed(hashes)
    return {hashes[h] for h in found}


def _conversations(uow: UnitOfWork, customer_id: int, ref: str) -> set[str]:
    ids = uow.personal_data.conversation_ids(customer_id)
    ids.add(f"web:{ref}")
    ids.update(f"tg:{i.external_id}" for i in uow.customers.identities_of(customer_id, Channel.TELEGRAM))
    return ids


def suppressed_for_import(uow: UnitOfWork, secret: str) -> Callable[[Sequence[str]], set[str]]:
    """The check an importer runs over the references it is about to store."""
    return lambda refs: suppressed_refs(uow, secret, [(ref, None) for ref in refs])

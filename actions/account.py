"""Account questions: guided steps, personal only with the customer's own (masked) details."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import support
from actions.base import for_customer
from actions.identity import channel_of, current_customer
from actions.store import unit_of_work
from crm.db import StoreError
from crm.models import Channel
from crm.services.cases import CaseView, open_request
from crm.services.customers import CustomerView
from crm.services.identity import AccountView, account_overview
from crm.services.preferences import marketing_consent
from crm.uow import UnitOfWork

log = logging.getLogger(__name__)

# intent -> (answer for a visitor, answer naming the customer's masked email)
ACCOUNT_ANSWERS: dict[str, tuple[str, str]] = {
    "create_account": ("utter_account_create", "utter_account_create_known"),
    "edit_account": ("utter_account_edit", "utter_account_edit_known"),
    "recover_password": ("utter_password_recover", "utter_password_recover_known"),
    "registration_problems": ("utter_registration_problems", "utter_registration_problems"),
    "switch_account": ("utter_account_switch", "utter_account_switch_known"),
}
CHANNEL_NAMES = {
    Channel.WEB: "in this website chat",
    Channel.TELEGRAM: "on Telegram",
    Channel.EMAIL: "by email",
}


def _account(tracker: Tracker) -> AccountView | None:
    uow = unit_of_work()
    customer = current_customer(uow, tracker)
    return account_overview(uow, customer.id) if customer else None


class ActionExplainAccount(Action):
    """Answers create/edit/recover/registration/switch questions with numbered steps."""

    def name(self) -> str:
        return "action_explain_account"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        general, personal = ACCOUNT_ANSWERS.get(intent, ACCOUNT_ANSWERS["edit_account"])
        try:
            account = _account(tracker)
        except StoreError:
            # The steps are the same for everyone: answer without the personal touch.
            log.exception("account details unavailable for sender %s", tracker.sender_id)
            account = None
        if account is None or account.masked_email is None:
            dispatcher.utter_message(response=general)
        else:
            dispatcher.utter_message(
                response=personal, first_name=account.first_name, masked_email=account.masked_email
            )
        return []


class ActionExplainAccountDeletion(Action):
    """Says what deletion removes; the question that follows comes from a rule."""

    def name(self) -> str:
        return "action_explain_account_deletion"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        found = for_customer(
            dispatcher,
            tracker,
            lambda uow, customer: account_overview(uow, customer.id),
            log=log,
            failure="account details unavailable for sender %s",
            visitor=[{"response": "utter_account_delete_visitor"}],
        )
        if found is None:
            return [support.followup(None)]
        account = found[1]
        dispatcher.utter_message(
            response="utter_account_delete_consequences", masked_email=account.masked_email or "your email"
        )
        return [support.followup("confirm_deletion")]


class ActionRequestAccountDeletion(Action):
    """A person deletes accounts (after checking it is really the owner): this opens their case."""

    def name(self) -> str:
        return "action_request_account_deletion"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:

        def request_deletion(uow: UnitOfWork, customer: CustomerView) -> tuple[AccountView, CaseView]:
            account = account_overview(uow, customer.id)
            case = open_request(
                uow,
                customer.id,
                "account deletion",
                "The customer asked in chat to delete their account and confirmed the consequences.",
                support.utc_now(),
                conversation_id=tracker.sender_id,
                channel=channel_of(tracker),
            )
            return account, case

        found = for_customer(
            dispatcher,
            tracker,
            request_deletion,
            log=log,
            failure="deletion request not stored for sender %s",
        )
        if found is None:
            return [support.followup(None)]
        account, case = found[1]
        dispatcher.utter_message(
            response="utter_account_deletion_requested",
            case_number=case.number,
            masked_email=account.masked_email or "your email address",
        )
        return [support.followup(None)]


class ActionShowNewsletterConsent(Action):
    """Tells the customer what they currently allow (newest consent row per channel) and offers the switch."""

    def name(self) -> str:
        return "action_show_newsletter_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        found = for_customer(
            dispatcher,
            tracker,
            lambda uow, customer: marketing_consent(uow, customer.id),
            log=log,
            failure="consent unavailable for sender %s",
            visitor=[{"response": "utter_newsletter_visitor"}],
        )
        if found is None:
            return [support.followup(None)]
        consent = found[1]
        granted = [CHANNEL_NAMES[channel] for channel in Channel if consent[channel]]
        if granted:
            status = "get our news and offers " + _join(granted)
        else:
            status = "don't get news or offers from us"
        dispatcher.utter_message(response="utter_newsletter_status", status=status)
        return [support.followup("offer_unsubscribe" if granted else "offer_subscribe")]


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]

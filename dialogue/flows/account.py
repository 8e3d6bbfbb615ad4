"""Account questions: sign-up, details, passwords, switching, deletion (a confirmed request), newsletter."""

from __future__ import annotations

from crm.models import CaseKind
from crm.services.cases import open_case
from crm.services.identity import AccountView, account_overview
from crm.services.preferences import marketing_consent, set_marketing_consent
from dialogue.answers import Answer, classify, plain_yes
from dialogue.conversation import Conversation, yes_no_buttons
from dialogue.registry import handles, resumes
from dialogue.state import Pending
from dialogue.texts import NOTHING_CHANGED
from dialogue.turn import Turn

DELETION = "account_deletion"
NEWSLETTER = "newsletter"

_GENERAL = {
    "create_account": (
        "Creating an account takes a minute: 1) open the shop and choose 'Sign in', then 'Create account', "
        "2) enter "
        "your name, email address and a password of at least 10 characters, 3) confirm the link in the email "
        "we "
        "send you. Orders you placed as a guest with the same email are added automatically."
    ),
    "edit_account": (
        "To change your details: 1) log in on our website, 2) open 'My account' > 'Personal details', 3) "
        "edit and "
        "save. A new email address is confirmed by a link we send to it."
    ),
    "recover_password": (
        "To reset your password: 1) choose 'Sign in' > 'Forgot password', 2) enter your account email, 3) "
        "open the "
        "link we send (valid for 1 hour) and choose a new password. No email after 10 minutes? Check the "
        "spam folder."
    ),
    "registration_problems": (
        "Sorry signing up is giving you trouble. The usual fixes: 1) if it says the email is taken, you "
        "already have "
        "an account: use 'Forgot password', 2) passwords need at least 10 characters, 3) the confirmation "
        "link expires "
        "after 24 hours: sign up again to get a new one. Still stuck? I can pass you to a colleague."
    ),
    "switch_account": (
        "To use another account: log out on our website ('My account' > 'Log out') and log in with the other "
        "email; "
        "this chat then follows the account you're logged in with."
    ),
}


def _account(conversation: Conversation) -> AccountView | None:
    who = conversation.who()
    if who is None or not who.has_account_access:
        return None
    return account_overview(conversation.uow(), who.customer_id)


@handles(*_GENERAL)
def explain(conversation: Conversation, turn: Turn) -> None:
    account = _account(conversation)
    text = _GENERAL[turn.intent]
    if account is not None and turn.intent == "create_account":
        text = (
            f"You already have an account with us, {account.first_name}, under {account.masked_email}. To "
            "log in: choose "
            "'Sign in' on our website and use 'Forgot password' if you don't remember it."
        )
    elif account is not None and turn.intent in ("edit_account", "recover_password") and account.masked_email:
        text += f" Your account email is {account.masked_email}."
    conversation.say(text)


@handles("delete_account")
def delete_account(conversation: Conversation, turn: Turn) -> None:
    account = _account(conversation)
    if account is None:
        conversation.say(
            "Deleting an account is permanent: order history, saved addresses and device registrations are "
            "removed. "
            "Log in on our website and open the chat there, and I can pass the request to our team."
        )
        return
    conversation.say(
        f"Deleting your account ({account.masked_email}) is permanent: your order history, saved addresses, "
        "device "
        "registrations and service reminders are removed, and open orders, returns and refunds must be "
        "finished "
        "first. Invoices we must keep by law are kept, but no longer linked to you."
    )
    conversation.ask(
        DELETION,
        "confirm",
        "Shall I ask our team to delete your account?",
        yes_no_buttons("Yes, delete it", "No, keep it"),
        data={"leaving": "the account deletion"},
    )


@resumes(DELETION)
def resume_deletion(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    who = conversation.who()
    if who is None:
        return False
    if plain_yes(turn):
        conversation.done()
        account = account_overview(conversation.uow(), who.customer_id)
        case = open_case(
            conversation.uow(),
            who.customer_id,
            CaseKind.QUESTION,
            "account deletion",
            "The customer asked in chat to delete their account.",
            conversation.now,
            conversation_id=conversation.ctx.conversation_id,
            channel=conversation.ctx.channel,
        )
        conversation.changed("case", f"the deletion request {case.number}", case=case.number)
        conversation.say(
            f"Done: I've passed your deletion request to our team (case {case.number}). They'll email "
            f"{account.masked_email} "
            "to confirm within 2 working days, and the account is deleted after that."
        )
        return True
    if classify(turn) in (Answer.NO, Answer.NOT_NOW):
        conversation.done()
        conversation.say("Okay, your account stays as it is.")
        return True
    return False


@handles("newsletter_subscription")
def newsletter(conversation: Conversation, turn: Turn) -> None:
    who = conversation.who()
    if who is None or not who.has_account_access:
        conversation.say(
            "You can subscribe to or leave our newsletter at the bottom of any email we send, or under 'My "
            "account' > "
            "'Communication'. Log in on our website and I can change it for you here."
        )
        return
    granted = [
        channel.value for channel, on in marketing_consent(conversation.uow(), who.customer_id).items() if on
    ]
    if granted:
        conversation.say(f"Right now you get our news and offers by {', '.join(granted)}.")
        conversation.ask(
            NEWSLETTER,
            "stop",
            "Would you like to stop them?",
            yes_no_buttons("Yes, stop them", "No, keep them"),
        )
    else:
        conversation.say("Right now you don't get news or offers from us.")
        conversation.ask(
            NEWSLETTER, "start", "Would you like to get them?", yes_no_buttons("Yes, please", "No, thanks")
        )


@resumes(NEWSLETTER)
def resume_newsletter(conversation: Conversation, turn: Turn, pending: Pending) -> bool:
    who = conversation.who()
    if who is None:
        return False
    answer = classify(turn)
    if answer is Answer.YES:
        conversation.done()
        start = pending.step == "start"
        set_marketing_consent(conversation.uow(), who.customer_id, start, conversation.now)
        conversation.changed("consent", "the newsletter change", granted=start)
        conversation.say(
            "Done: you'll get our news and offers again. You can say 'stop' to any message we send."
            if start
            else "Done: no more news or offers from us. Messages about your own orders and devices still "
            "come."
        )
        return True
    if answer in (Answer.NO, Answer.NOT_NOW):
        conversation.done()
        conversation.say(NOTHING_CHANGED)
        return True
    return False

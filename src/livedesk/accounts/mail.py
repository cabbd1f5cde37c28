"""The invitation and password-reset mails: plain text, Dutch or English by the user's language.

Plain text on purpose: the display name in it was typed by a person, and nothing a person typed
is ever rendered as HTML.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from livedesk.accounts.actions import PasswordLink
from livedesk.accounts.models import User
from livedesk.db import new_secret
from livedesk.leads.outbox import queue_system_email

SHOWN_IN = ZoneInfo("Europe/Amsterdam")  # the provider's clock, for the expiry in the text

TEXTS = {
    "nl": {
        "invite.subject": "Je account voor Livedesk",
        "invite.body": (
            "Hallo {name},\n\n"
            "Er is een Livedesk-account voor je aangemaakt. Je gebruikersnaam is: {username}\n\n"
            "Kies je wachtwoord via deze link:\n{url}\n\n"
            "De link werkt één keer en verloopt op {expires}.\n"
        ),
        "reset.subject": "Een nieuw wachtwoord voor Livedesk",
        "reset.body": (
            "Hallo {name},\n\n"
            "Er is een nieuw wachtwoord aangevraagd voor je Livedesk-account ({username}).\n\n"
            "Kies het via deze link:\n{url}\n\n"
            "De link werkt één keer en verloopt op {expires}. Heb je hier niet om gevraagd? "
            "Dan kun je deze e-mail negeren; je huidige wachtwoord blijft werken.\n"
        ),
    },
    "en": {
        "invite.subject": "Your Livedesk account",
        "invite.body": (
            "Hello {name},\n\n"
            "A Livedesk account has been created for you. Your username is: {username}\n\n"
            "Choose your password through this link:\n{url}\n\n"
            "The link works once and expires on {expires}.\n"
        ),
        "reset.subject": "A new password for Livedesk",
        "reset.body": (
            "Hello {name},\n\n"
            "A new password was requested for your Livedesk account ({username}).\n\n"
            "Choose it through this link:\n{url}\n\n"
            "The link works once and expires on {expires}. Did you not ask for this? Then "
            "ignore this e-mail; your current password keeps working.\n"
        ),
    },
}


def expiry_text(at: datetime) -> str:
    return at.astimezone(SHOWN_IN).strftime("%Y-%m-%d %H:%M (%Z)")


def password_mail(user: User, link: PasswordLink) -> tuple[str, str]:
    """(subject, body) in the user's language."""
    texts = TEXTS.get(user.language, TEXTS["nl"])
    body = texts[f"{link.kind}.body"].format(
        name=user.display_name,
        username=user.username,
        url=link.url,
        expires=expiry_text(link.expires_at),
    )
    return texts[f"{link.kind}.subject"], body


def queue_password_mail(session: AsyncSession, user: User, link: PasswordLink, to: str) -> None:
    """Into the delivery outbox, in the same unit of work as the link it carries."""
    subject, body = password_mail(user, link)
    queue_system_email(
        session,
        to=to,
        subject=subject,
        text=body,
        language=user.language,
        key=f"password-link.{user.id}.{new_secret(12)}",  # one per link; retries reuse it
        erase_when_sent=True,
    )

"""Request bodies and the checks that give the visitor a clear answer per field."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from livedesk.errors import Invalid
from livedesk.leads.models import DeliveryRoute, Lead, LeadConfig, LeadKind, LeadStatusChange

EMAIL_RE = re.compile(
    r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
PHONE_CHARS_RE = re.compile(r"^\+?[0-9 ()./-]+$")
FIELD_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
FIELD_TYPES = ("text", "number", "choice", "date", "boolean")


class FieldErrors:
    """Collects every problem at once, so a form can mark all wrong fields in one round."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def add(self, loc: list[str], msg: str, kind: str) -> None:
        self.errors.append({"loc": ["body", *loc], "msg": msg, "type": kind})

    def raise_if_any(self, message: str = "Some fields need attention") -> None:
        if self.errors:
            raise Invalid(message, code="invalid", data={"errors": self.errors})


def normalise_email(value: str | None, errors: FieldErrors, loc: str = "email") -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 320 or not EMAIL_RE.match(value):
        errors.add([loc], "not a valid e-mail address", "email")
        return None
    return value


def normalise_phone(value: str | None, errors: FieldErrors, loc: str = "phone") -> str | None:
    """Keep a leading + and the digits; 8–15 digits covers Dutch and international numbers."""
    value = (value or "").strip()
    if not value:
        return None
    digits = re.sub(r"\D", "", value)
    if not PHONE_CHARS_RE.match(value) or not 8 <= len(digits) <= 15:
        errors.add([loc], "not a valid phone number", "phone")
        return None
    return ("+" if value.startswith("+") else "") + digits


def check_contact(
    name: str | None, email: str | None, phone: str | None, errors: FieldErrors
) -> tuple[str | None, str | None, str | None]:
    """Validate and require at least one way to reach the visitor."""
    clean_email = normalise_email(email, errors)
    clean_phone = normalise_phone(phone, errors)
    had_input = bool((email or "").strip() or (phone or "").strip())
    if not had_input:
        errors.add(["email"], "give an e-mail address or a phone number", "contact_required")
    clean_name = (name or "").strip() or None
    return clean_name, clean_email, clean_phone


class QualificationField(BaseModel):
    key: str = Field(min_length=1, max_length=40)
    label: str = Field(min_length=1, max_length=200)
    type: Literal["text", "number", "choice", "date", "boolean"] = "text"
    required: bool = False
    choices: list[str] = Field(default_factory=list, max_length=100)


class LeadSettingsIn(BaseModel):
    review_window_days: int | None = Field(default=None, ge=0, le=365)
    qualification_fields: list[QualificationField] | None = Field(default=None, max_length=50)


def check_field_definitions(fields: list[QualificationField]) -> list[dict[str, Any]]:
    errors = FieldErrors()
    seen: set[str] = set()
    for i, f in enumerate(fields):
        loc = ["qualification_fields", str(i), "key"]
        if not FIELD_KEY_RE.match(f.key):
            errors.add(loc, "lowercase letters, digits and _ , starting with a letter", "key")
        if f.key in seen:
            errors.add(loc, "duplicate key", "duplicate")
        seen.add(f.key)
        if f.type == "choice" and not f.choices:
            errors.add(
                ["qualification_fields", str(i), "choices"], "a choice needs choices", "choices"
            )
    errors.raise_if_any("The qualification fields are not valid")
    return [f.model_dump() for f in fields]


def check_qualification(
    values: dict[str, Any], definitions: list[dict[str, Any]], errors: FieldErrors
) -> dict[str, Any]:
    """Validate the business's own fields against its definitions; unknown keys are refused."""
    by_key = {d["key"]: d for d in definitions}
    out: dict[str, Any] = {}
    for key in values:
        if key not in by_key:
            errors.add(["qualification", str(key)], "not a field of this business", "unknown")
    for key, d in by_key.items():
        value = values.get(key)
        loc = ["qualification", key]
        if value is None or value == "":
            if d.get("required"):
                errors.add(loc, f"{d['label']} is required", "required")
            continue
        kind = d.get("type", "text")
        if kind == "text":
            if not isinstance(value, str) or len(value) > 2000:
                errors.add(loc, "text of at most 2000 characters", "text")
                continue
            out[key] = value.strip()
        elif kind == "number":
            try:
                number = float(value) if not isinstance(value, bool) else None
            except (TypeError, ValueError):
                number = None
            if number is None or number != number:  # bool or NaN
                errors.add(loc, "a number", "number")
                continue
            out[key] = int(number) if number.is_integer() else number
        elif kind == "choice":
            if value not in d.get("choices", []):
                errors.add(loc, f"one of: {', '.join(d.get('choices', []))}", "choice")
                continue
            out[key] = value
        elif kind == "date":
            try:
                out[key] = date.fromisoformat(str(value)).isoformat()
            except ValueError:
                errors.add(loc, "a date as YYYY-MM-DD", "date")
        elif kind == "boolean":
            if not isinstance(value, bool):
                errors.add(loc, "true or false", "boolean")
                continue
            out[key] = value
    return out


class LeadIn(BaseModel):
    """What an operator files from a chat."""

    kind: LeadKind = LeadKind.SALES_LEAD
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    intent: str = Field(default="", max_length=10_000)
    notes: str = Field(default="", max_length=10_000)
    qualification: dict[str, Any] = Field(default_factory=dict)
    consent: bool = False


class OfflineIn(BaseModel):
    """The widget's offline form. Lengths are generous: a visitor's text is never cut off."""

    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    question: str = Field(default="", max_length=10_000)
    consent: bool = False
    token: str | None = Field(default=None, max_length=2000)  # the visitor token, if any
    page_url: str | None = Field(default=None, max_length=2000)
    language: str | None = Field(default=None, max_length=8)
    qualification: dict[str, Any] = Field(default_factory=dict)


class ReviewIn(BaseModel):
    decision: Literal["accepted", "rejected", "disputed"]
    reason: str | None = Field(default=None, max_length=4000)


class TranscriptRequestIn(BaseModel):
    token: str = Field(min_length=1, max_length=2000)
    email: str = Field(min_length=1, max_length=320)
    conversation_id: str | None = Field(default=None, max_length=32)


class RouteIn(BaseModel):
    kind: Literal["email", "webhook"]
    name: str = Field(default="", max_length=200)
    active: bool = True
    emails: list[str] = Field(default_factory=list, max_length=20)
    language: Literal["nl", "en"] = "nl"
    url: str | None = Field(default=None, max_length=2000)
    send_leads: bool = True
    send_transcripts: bool = False
    lead_kinds: list[LeadKind] = Field(default_factory=list)


class RoutePatch(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    active: bool | None = None
    emails: list[str] | None = Field(default=None, max_length=20)
    language: Literal["nl", "en"] | None = None
    url: str | None = Field(default=None, max_length=2000)
    send_leads: bool | None = None
    send_transcripts: bool | None = None
    lead_kinds: list[LeadKind] | None = None
    rotate_secret: bool = False


def check_route(kind: str, emails: list[str], url: str | None) -> tuple[list[str], str | None]:
    errors = FieldErrors()
    clean: list[str] = []
    if kind == "email":
        if not emails:
            errors.add(["emails"], "at least one address", "required")
        for i, e in enumerate(emails):
            value = normalise_email(e, errors, loc=f"emails.{i}")
            if value:
                clean.append(value)
        url = None
    else:
        if not url or not re.match(r"^https?://[^\s/]+", url):
            errors.add(["url"], "an http:// or https:// URL", "url")
    errors.raise_if_any("The delivery route is not valid")
    return clean, url


def config_payload(config: LeadConfig) -> dict[str, Any]:
    return {
        "business_id": config.business_id,
        "review_window_days": config.review_window_days,
        "qualification_fields": config.qualification_fields,
    }


def lead_payload(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.id,
        "business_id": lead.business_id,
        "conversation_id": lead.conversation_id,
        "kind": lead.kind,
        "status": lead.status,
        "source": lead.source,
        "name": lead.name,
        "email": lead.email,
        "phone": lead.phone,
        "intent": lead.intent,
        "notes": lead.notes,
        "qualification": lead.qualification,
        "consent": lead.consent,
        "language": lead.language,
        "page_url": lead.page_url,
        "created_at": lead.created_at,
        "reviewed_at": lead.reviewed_at,
        "review_reason": lead.review_reason,
    }


def status_change_payload(change: LeadStatusChange) -> dict[str, Any]:
    return {
        "from": change.from_status,
        "to": change.to_status,
        "reason": change.reason,
        "actor_id": change.actor_id,
        "at": change.at,
    }


def route_payload(route: DeliveryRoute) -> dict[str, Any]:
    return {
        "id": route.id,
        "business_id": route.business_id,
        "kind": route.kind,
        "name": route.name,
        "active": route.active,
        "emails": route.emails,
        "language": route.language,
        "url": route.url,
        "secret": route.secret,
        "send_leads": route.send_leads,
        "send_transcripts": route.send_transcripts,
        "lead_kinds": route.lead_kinds,
        "created_at": route.created_at,
    }


def parse_period(value: str | None, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Invalid(
            f"`{name}` must be an ISO 8601 time with a zone, e.g. 2026-01-01T00:00:00Z",
            code="invalid_period",
            data={"field": name},
        )
    return parsed

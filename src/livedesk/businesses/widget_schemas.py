"""What the back office sends and receives for a business's widgets: where they may be embedded,
their language, look, pre-chat form, privacy notice and offline form (kept in `Widget.settings`)."""

from __future__ import annotations

import html
import ipaddress
import re
from datetime import datetime
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, Field, field_validator

from livedesk import i18n
from livedesk.businesses.schemas import Name, Patch, Strict, rule_error

HOST_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")

i18n.register(
    {
        "nl": {
            "origin_wildcard": "Een * mag hier niet: geef het exacte adres van de website, "
            "bijvoorbeeld https://www.voorbeeld.nl.",
            "origin_invalid": "Geef een websiteadres als https://www.voorbeeld.nl (met "
            "eventueel een poort), zonder pad, vraagteken of gebruikersnaam.",
            "https_url": "Gebruik een adres dat met https:// begint, of laat dit leeg.",
            "color_invalid": "Geef een kleur als #1a6b4c.",
            "form_field_duplicate": "Elk veld mag maar één keer in het formulier staan.",
            "offline_contact_required": "Het offline formulier moet om een e-mailadres of "
            "telefoonnummer vragen, anders kan niemand de bezoeker antwoorden.",
        },
        "en": {
            "origin_wildcard": "A * is not allowed here: give the website's exact address, for "
            "example https://www.example.com.",
            "origin_invalid": "Give a website address like https://www.example.com (with a port "
            "if needed), without a path, question mark or user name.",
            "https_url": "Use an address that starts with https://, or leave this empty.",
            "color_invalid": "Give a colour like #1a6b4c.",
            "form_field_duplicate": "Each field may appear in the form only once.",
            "offline_contact_required": "The offline form must ask for an e-mail address or a "
            "phone number, or nobody can answer the visitor.",
        },
    }
)


def _check_https_url(value: str) -> str:
    if not value:
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        raise rule_error("https_url") from None
    if parts.scheme != "https" or not parts.hostname or "@" in parts.netloc:
        raise rule_error("https_url")
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise rule_error("https_url")
    return value


def _check_color(value: str) -> str:
    if not COLOR_RE.match(value):
        raise rule_error("color_invalid")
    return value.lower()


def clean_origin(value: str) -> str:
    """`HTTPS://Bücher.Example:443/` → `https://xn--bcher-kva.example`: the form a browser
    sends in its Origin header (IDN hosts as lower-case punycode, default ports dropped)."""
    text = value.strip()
    if text == "*":
        raise rule_error("origin_wildcard")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise rule_error("origin_invalid") from None
    if (
        parts.scheme not in ("http", "https")
        or "@" in parts.netloc
        or parts.path not in ("", "/")
        or "?" in text
        or "#" in text
        or not parts.hostname
        or port == 0
    ):
        raise rule_error("origin_invalid")
    host = _ascii_host(parts.hostname)
    default_port = {"http": 80, "https": 443}[parts.scheme]
    suffix = f":{port}" if port and port != default_port else ""
    return f"{parts.scheme}://{host}{suffix}"


def _ascii_host(hostname: str) -> str:
    if ":" in hostname:  # IPv6, written in brackets
        try:
            return f"[{ipaddress.IPv6Address(hostname).compressed}]"
        except ValueError:
            raise rule_error("origin_invalid") from None
    try:
        host = hostname.lower().encode("idna").decode("ascii")
    except UnicodeError:
        raise rule_error("origin_invalid") from None
    if len(host) > 253 or not all(HOST_LABEL_RE.match(label) for label in host.split(".")):
        raise rule_error("origin_invalid")
    return host


WidgetLanguage = Literal["nl", "en", "auto"]  # "auto": follow the visitor's browser
Origin = Annotated[str, Field(max_length=300), AfterValidator(clean_origin)]
HttpsUrl = Annotated[str, Field(max_length=500), AfterValidator(_check_https_url)]


def _distinct(origins: list[str]) -> list[str]:
    return list(dict.fromkeys(origins))  # the same site typed twice is stored once


Origins = Annotated[list[Origin], Field(max_length=50), AfterValidator(_distinct)]


class Look(Strict):
    accent_color: Annotated[str, AfterValidator(_check_color)] = "#1a6b4c"
    position: Literal["right", "left"] = "right"
    launcher_text: str = Field("", max_length=40)
    greeting: str = Field("", max_length=300)
    logo_url: HttpsUrl = ""


FormFieldName = Literal["name", "email", "phone", "question"]
FORM_FIELD_NAMES = frozenset(get_args(FormFieldName))


class FormField(Strict):
    name: FormFieldName
    label_nl: str = Field("", max_length=80)
    label_en: str = Field("", max_length=80)
    required: bool = False


def _unique_names(fields: list[FormField]) -> list[FormField]:
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise rule_error("form_field_duplicate")
    return fields


FormFields = Annotated[list[FormField], Field(max_length=4), AfterValidator(_unique_names)]


class Prechat(Strict):
    fields: FormFields = Field(default_factory=list)


class Privacy(Strict):
    text: str = Field("", max_length=1000)
    url: HttpsUrl = ""


def _offline_fields() -> list[FormField]:
    return [
        FormField(name="name", label_nl="Naam", label_en="Name", required=True),
        FormField(name="email", label_nl="E-mailadres", label_en="E-mail address", required=True),
        FormField(name="phone", label_nl="Telefoonnummer", label_en="Phone number"),
        FormField(name="question", label_nl="Bericht", label_en="Message", required=True),
    ]


class OfflineForm(Strict):
    fields: FormFields = Field(default_factory=_offline_fields)

    @field_validator("fields")
    @classmethod
    def _reachable(cls, fields: list[FormField]) -> list[FormField]:
        if not {f.name for f in fields} & {"email", "phone"}:
            raise rule_error("offline_contact_required")
        return fields


SECTIONS: dict[str, type[Strict]] = {
    "look": Look,
    "prechat": Prechat,
    "privacy": Privacy,
    "offline_form": OfflineForm,
}


class WidgetCreate(Strict):
    name: Name
    allowed_origins: Origins = Field(default_factory=list)
    language: WidgetLanguage | None = Field(None, description="default: the business's")
    look: Look = Field(default_factory=Look)
    prechat: Prechat = Field(default_factory=Prechat)
    privacy: Privacy = Field(default_factory=Privacy)
    offline_form: OfflineForm = Field(default_factory=OfflineForm)


class WidgetUpdate(Patch):
    name: Name | None = None
    allowed_origins: Origins | None = None
    language: WidgetLanguage | None = None
    look: Look | None = None
    prechat: Prechat | None = None
    privacy: Privacy | None = None
    offline_form: OfflineForm | None = None


class WidgetOut(BaseModel):
    id: str
    business_id: str
    public_key: str
    name: str
    allowed_origins: list[str]
    language: str
    look: Look
    prechat: Prechat
    privacy: Privacy
    offline_form: OfflineForm
    embed_snippet: str
    is_active: bool
    created_at: datetime


def widget_sections(settings: dict[str, Any] | None) -> dict[str, Strict]:
    """The stored settings as the four sections. Older forms read as the new ones (a field's
    single `label`, the pre-chat `gdpr_notice`); a section that no longer passes reads as its
    default, and fields the form no longer offers are left out."""
    raw = {name: dict((settings or {}).get(name) or {}) for name in SECTIONS}
    for section in ("prechat", "offline_form"):
        if "fields" in raw[section]:
            raw[section]["fields"] = _stored_fields(raw[section]["fields"])
    notice = raw["prechat"].pop("gdpr_notice", None)
    if notice and not raw["privacy"]:
        raw["privacy"] = {"text": str(notice)}
    out: dict[str, Strict] = {}
    for name, model in SECTIONS.items():
        try:
            out[name] = model.model_validate(raw[name])
        except ValueError:
            out[name] = model()
    return out


def _stored_fields(fields: Any) -> list[dict[str, Any]]:
    out = []
    for field in fields if isinstance(fields, list) else []:
        if not isinstance(field, dict) or field.get("name") not in FORM_FIELD_NAMES:
            continue
        copy = {k: v for k, v in field.items() if k != "label"}  # the stored value stays as is
        label = str(field.get("label") or "")
        copy.setdefault("label_nl", label)
        copy.setdefault("label_en", label)
        out.append(copy)
    return out


def embed_snippet(base_url: str, public_key: str) -> str:
    base = html.escape(base_url.rstrip("/"))
    return f'<script src="{base}/widget.js" data-widget="{html.escape(public_key)}" async></script>'

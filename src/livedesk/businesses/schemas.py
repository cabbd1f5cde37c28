"""What the back office sends and receives for businesses, opening hours and contracts (widgets:
widget_schemas.py), and the field types both use.

Every request model forbids unknown fields and limits every length, so a typo in a field name is
a 422 naming that field rather than a silent no-op. Rules a field type cannot express (a slug
already taken, hours that overlap) are checked by the actions and come back as `FieldError`s.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from livedesk import i18n
from livedesk.billing.terms import BillingTerms
from livedesk.businesses.models import DEFAULT_TIMEZONE, default_contract

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
TIME_RE = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")

i18n.register(
    {
        "nl": {
            "slug_invalid": "Gebruik kleine letters, cijfers en streepjes (bijvoorbeeld "
            "bakkerij-jansen), hoogstens 64 tekens.",
            "timezone_unknown": "Onbekende tijdzone; kies er een uit de lijst (bijvoorbeeld "
            "Europe/Amsterdam).",
            "null_not_allowed": "Dit veld kan niet leeg gemaakt worden; laat het weg om het te "
            "houden zoals het is.",
            "email_invalid": "Dit is geen geldig e-mailadres.",
            # pydantic's own checks that these forms can trigger
            "string_type": "Vul hier tekst in.",
            "int_type": "Vul een geheel getal in.",
            "float_type": "Vul een getal in.",
            "int_from_float": "Vul een geheel getal in.",
            "bool_type": "Kies ja of nee.",
            "list_type": "Hier hoort een lijst.",
            "dict_type": "Hier hoort een object met velden.",
            "model_type": "Hier hoort een object met velden.",
            "time_range_shape": 'Geef een begin- en eindtijd, als ["09:00", "17:00"].',
            "time_invalid": "Geef tijden als 09:00, van 00:00 tot 24:00 (24:00 alleen als "
            "eindtijd).",
            "hours_end_before_start": "De eindtijd moet na de begintijd liggen (tot middernacht: "
            "24:00).",
            "hours_overlap": "Dit blok overlapt met een ander blok op dezelfde dag.",
            "date_invalid": "Geef een bestaande datum als 2026-12-25.",
        },
        "en": {
            "slug_invalid": "Use lower-case letters, digits and hyphens (for example "
            "bakery-jansen), at most 64 characters.",
            "timezone_unknown": "Unknown time zone; pick one from the list (for example "
            "Europe/Amsterdam).",
            "null_not_allowed": "This field cannot be emptied; leave it out to keep it as it is.",
            "email_invalid": "This is not a valid e-mail address.",
            "string_type": "Enter text here.",
            "int_type": "Enter a whole number.",
            "float_type": "Enter a number.",
            "int_from_float": "Enter a whole number.",
            "bool_type": "Choose yes or no.",
            "list_type": "This should be a list.",
            "dict_type": "This should be an object with fields.",
            "model_type": "This should be an object with fields.",
            "time_range_shape": 'Give a start and an end time, like ["09:00", "17:00"].',
            "time_invalid": "Give times like 09:00, from 00:00 to 24:00 (24:00 only as an end "
            "time).",
            "hours_end_before_start": "The end time must be after the start time (until "
            "midnight: 24:00).",
            "hours_overlap": "This range overlaps another range on the same day.",
            "date_invalid": "Give an existing date like 2026-12-25.",
        },
    }
)


def rule_error(code: str) -> PydanticCustomError:
    # The code is the error's `type`: the 422 handler looks its text up in the user's language.
    return PydanticCustomError(code, code.replace("_", " "))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Patch(Strict):
    """A partial update: a field left out stays as it is; null is refused, not "unchanged"."""

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise rule_error("null_not_allowed")
        return value


# -- field types -------------------------------------------------------------------------------


def _check_slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise rule_error("slug_invalid")
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise rule_error("timezone_unknown") from None
    return value


def _check_email(value: str) -> str:
    if value and not EMAIL_RE.match(value):
        raise rule_error("email_invalid")
    return value


Slug = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_check_slug)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Timezone = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_check_timezone)]
Language = Literal["nl", "en"]
# How the widget and the FAQ bot address visitors in Dutch (English has one form).
FormOfAddress = Literal["u", "je"]
FallbackAction = Literal["offline_form", "bot", "bot_then_form"]


# -- businesses --------------------------------------------------------------------------------


class EscalationContact(Strict):
    name: str = Field(min_length=1, max_length=120)
    role: str = Field("", max_length=120)
    phone: str = Field("", max_length=40)
    email: Annotated[str, Field(max_length=320), AfterValidator(_check_email)] = ""
    when: str = Field("", max_length=500, description="when to call on this person")


class GuidelineSection(Strict):
    title: str = Field(min_length=1, max_length=120)
    body: str = Field("", max_length=4000)


class Guidelines(Strict):
    """Shown beside every chat of the business."""

    tone: str = Field("", max_length=2000)
    never_promise: str = Field("", max_length=2000)
    escalation: str = Field("", max_length=2000)
    contacts: list[EscalationContact] = Field(default_factory=list, max_length=20)
    sections: list[GuidelineSection] = Field(default_factory=list, max_length=20)

    @classmethod
    def from_stored(cls, raw: dict[str, Any] | None) -> Self:
        """Stored guidelines, older ones (only the three texts) included; a part that no
        longer passes the rules is left out rather than failing the whole read."""
        known = {k: v for k, v in (raw or {}).items() if k in cls.model_fields}
        try:
            return cls.model_validate(known)
        except ValueError:
            texts = ("tone", "never_promise", "escalation")
            return cls(**{k: str(known.get(k) or "")[:2000] for k in texts})


class BusinessCreate(Strict):
    name: Name
    slug: Slug
    language: Language = "nl"
    timezone: Timezone = DEFAULT_TIMEZONE
    form_of_address: FormOfAddress = "u"
    guidelines: Guidelines = Field(default_factory=Guidelines)


class BusinessUpdate(Patch):
    name: Name | None = None
    slug: Slug | None = None
    language: Language | None = None
    timezone: Timezone | None = None
    form_of_address: FormOfAddress | None = None
    guidelines: Guidelines | None = None


class BusinessOut(BaseModel):
    id: str
    slug: str
    name: str
    language: str
    timezone: str
    form_of_address: str
    guidelines: Guidelines
    opening_hours: dict[str, Any]  # as stored: the console and routing read this form
    contract: dict[str, Any]
    is_active: bool
    created_at: datetime
    widget_count: int


# -- opening hours and contract ----------------------------------------------------------------


# "HH:MM"; whether it is a real time, and the ranges' order and overlaps, the action checks
# (errors then name the range: weekly.mon.1).
def _range_shape(value: Any) -> Any:
    if not (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(t, str) and len(t) <= 5 for t in value)
    ):
        raise rule_error("time_range_shape")
    return value


TimeRange = Annotated[tuple[str, str], BeforeValidator(_range_shape)]
DayRanges = Annotated[list[TimeRange], Field(max_length=12)]


class Weekly(Strict):
    mon: DayRanges = Field(default_factory=list)
    tue: DayRanges = Field(default_factory=list)
    wed: DayRanges = Field(default_factory=list)
    thu: DayRanges = Field(default_factory=list)
    fri: DayRanges = Field(default_factory=list)
    sat: DayRanges = Field(default_factory=list)
    sun: DayRanges = Field(default_factory=list)


class HoursException(Strict):
    label: str = Field("", max_length=120)
    ranges: DayRanges = Field(default_factory=list, description="empty: closed all day")


class OpeningHours(Strict):
    timezone: Timezone | None = Field(None, description="default: the business's")
    weekly: Weekly = Field(default_factory=Weekly)
    exceptions: dict[str, HoursException] = Field(
        default_factory=dict, max_length=400, description='keyed by date, "2026-12-25"'
    )

    @classmethod
    def from_stored(cls, raw: dict[str, Any] | None, timezone: str) -> Self:
        """Stored hours in this shape, including exceptions stored as a bare list of ranges."""
        raw = raw or {}
        exceptions = {
            str(day): value if isinstance(value, dict) else {"label": "", "ranges": value}
            for day, value in (raw.get("exceptions") or {}).items()
        }
        try:
            return cls.model_validate(
                {
                    "timezone": raw.get("timezone") or timezone,
                    "weekly": raw.get("weekly") or {},
                    "exceptions": exceptions,
                }
            )
        except ValueError:
            return cls(timezone=timezone)


def _minutes(text: str, *, end: bool) -> int | None:
    match = TIME_RE.match(text)
    if match is None:
        return None
    minutes = int(match[1]) * 60 + int(match[2])
    if minutes > 24 * 60 or (minutes == 24 * 60 and not end):
        return None
    return minutes


def _day_errors(ranges: list[tuple[str, str]], path: str) -> dict[str, str]:
    """Each range a real time span that ends after it starts, none overlapping another."""
    errors: dict[str, str] = {}
    spans: list[tuple[int, int, int]] = []
    for i, (start_text, end_text) in enumerate(ranges):
        start, end = _minutes(start_text, end=False), _minutes(end_text, end=True)
        if start is None or end is None:
            errors[f"{path}.{i}"] = "time_invalid"
        elif end <= start:
            errors[f"{path}.{i}"] = "hours_end_before_start"
        else:
            spans.append((start, end, i))
    spans.sort()
    for (_, first_end, _), (second_start, _, i) in itertools.pairwise(spans):
        if second_start < first_end:
            errors.setdefault(f"{path}.{i}", "hours_overlap")
    return errors


def hours_field_errors(hours: OpeningHours) -> dict[str, str]:
    """Every problem at once, by the path the page knows the input by (`weekly.mon.1`,
    `exceptions.2026-12-25`, `exceptions.2026-12-25.ranges.0`). Ranges here end on the day they
    start: a night runs 22:00–24:00 and 00:00–02:00 the next day."""
    errors: dict[str, str] = {}
    for day in WEEKDAYS:
        errors |= _day_errors(getattr(hours.weekly, day), f"weekly.{day}")
    for key, exception in hours.exceptions.items():
        try:
            valid = DATE_RE.match(key) is not None and bool(date.fromisoformat(key))
        except ValueError:
            valid = False
        if not valid:
            errors[f"exceptions.{key}"] = "date_invalid"
        errors |= _day_errors(exception.ranges, f"exceptions.{key}.ranges")
    return errors


CONTRACT_DEFAULTS: dict[str, Any] = {**default_contract(), "outside_hours": "offline_form"}


class Contract(Strict):
    """What the business bought; routing reads these keys from `Business.contract`. A PUT
    names every field, so a forgotten one is a 422 rather than a silent reset."""

    first_reply_seconds: int = Field(ge=5, le=600)
    first_reply_share: float = Field(ge=0.5, le=1.0, description="share answered in time")
    max_queue_wait_seconds: int = Field(ge=10, le=3600)
    outside_hours: FallbackAction
    overflow: FallbackAction
    priority: int = Field(ge=-10, le=10)
    # How the provider bills (livedesk.billing). Left out of a PUT, the stored terms stay (so a
    # client that only knows the other fields keeps them); null removes them. Absent: not billed.
    billing: BillingTerms | None = Field(None, exclude_if=lambda terms: terms is None)

    @classmethod
    def from_stored(cls, raw: dict[str, Any] | None) -> Self:
        """The stored contract over the defaults; a stored value out of range reads as the
        default (routing falls back the same way)."""
        values = dict(CONTRACT_DEFAULTS)
        for key, value in (raw or {}).items():
            if key in cls.model_fields:
                try:
                    cls.model_validate({**values, key: value})
                except ValueError:
                    continue
                values[key] = value
        return cls.model_validate(values)


class ContractChange(BaseModel):
    at: datetime
    actor: dict[str, str | None]
    action: str
    before: dict[str, Any]
    after: dict[str, Any]

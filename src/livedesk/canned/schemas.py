"""What the canned-responses API sends and receives.

A body may hold the placeholders {operator}, {business} and {visitor}, which the console fills in
when an operator inserts the response; any other {word} is a typo the author should hear about.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from livedesk import i18n

PLACEHOLDERS = ("operator", "business", "visitor")
PLACEHOLDER_RE = re.compile(r"\{([^{}\s]*)\}")
SHORTCUT_RE = re.compile(r"^[a-z0-9-]{1,40}$")

i18n.register(
    {
        "nl": {
            "shortcut_invalid": "Gebruik 1 tot 40 tekens: kleine letters, cijfers en streepjes "
            "(bijvoorbeeld groet).",
            "placeholder_unknown": "{placeholder} bestaat niet; je kunt {{operator}}, "
            "{{business}} en {{visitor}} gebruiken.",
            "null_not_allowed": "Dit veld kan niet leeg gemaakt worden; laat het weg om het te "
            "houden zoals het is.",
        },
        "en": {
            "shortcut_invalid": "Use 1 to 40 characters: lower-case letters, digits and hyphens "
            "(for example greeting).",
            "placeholder_unknown": "{placeholder} does not exist; you can use {{operator}}, "
            "{{business}} and {{visitor}}.",
            "null_not_allowed": "This field cannot be emptied; leave it out to keep it as it is.",
        },
    }
)


def _check_shortcut(value: str) -> str:
    if not SHORTCUT_RE.match(value):
        raise PydanticCustomError("shortcut_invalid", "shortcut invalid")
    return value


def _check_placeholders(value: str) -> str:
    for name in PLACEHOLDER_RE.findall(value):
        if name not in PLACEHOLDERS:
            raise PydanticCustomError(
                "placeholder_unknown", "unknown placeholder", {"placeholder": f"{{{name}}}"}
            )
    return value


Shortcut = Annotated[str, Field(max_length=40), AfterValidator(_check_shortcut)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Body = Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(_check_placeholders)]
Language = Literal["nl", "en"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CannedCreate(Strict):
    business_id: str | None = Field(
        None, max_length=32, description="the business it belongs to; null: shared by all"
    )
    shortcut: Shortcut = Field(description="typed after `/` in the composer")
    title: Title
    body: Body
    language: Language = "nl"


class CannedUpdate(Strict):
    """A partial update: a field left out stays as it is; null is refused. The business a
    response belongs to does not change (create it anew for another)."""

    shortcut: Shortcut | None = None
    title: Title | None = None
    body: Body | None = None
    language: Language | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("null_not_allowed", "null not allowed")
        return value


class CannedOut(BaseModel):
    id: str
    business_id: str | None
    shortcut: str
    title: str
    body: str
    language: str
    updated_at: datetime
    updated_by: str | None

"""What the people API sends and receives: users, operators' assignments, password links.

Request models forbid unknown fields and limit every length, so a typo is a 422 naming the field.
Rules a field type cannot express (a username taken, a business that does not exist, who may
give which role) are checked by the actions and come back as `FieldError`s or refusals.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from livedesk import i18n
from livedesk.accounts.models import Role

USERNAME_RE = re.compile(r"^[a-z0-9._-]{2,150}$")
EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
MIN_NEW_PASSWORD = 10  # a password a person chooses through a link or the CLI
MAX_BUSINESSES_SERVED = 500

i18n.register(
    {
        "nl": {
            "username_invalid": "Gebruik 2 tot 150 tekens: kleine letters, cijfers, punt, "
            "streepje of liggend streepje.",
            "email_invalid": "Dit is geen geldig e-mailadres.",
            "password_too_short": "Kies een wachtwoord van minstens {min_length} tekens.",
            "null_not_allowed": "Dit veld kan niet leeg gemaakt worden; laat het weg om het te "
            "houden zoals het is.",
            "too_short": "Kies er minstens {min_length}.",
        },
        "en": {
            "username_invalid": "Use 2 to 150 characters: lower-case letters, digits, full "
            "stop, hyphen or underscore.",
            "email_invalid": "This is not a valid e-mail address.",
            "password_too_short": "Choose a password of at least {min_length} characters.",
            "null_not_allowed": "This field cannot be emptied; leave it out to keep it as it is.",
            "too_short": "Choose at least {min_length}.",
        },
    }
)


def _check_username(value: str) -> str:
    if not USERNAME_RE.match(value):
        raise PydanticCustomError("username_invalid", "username invalid")
    return value


def _check_email(value: str) -> str:
    if value and not EMAIL_RE.match(value):
        raise PydanticCustomError("email_invalid", "email invalid")
    return value


def _check_new_password(value: str) -> str:
    if len(value) < MIN_NEW_PASSWORD:
        raise PydanticCustomError(
            "password_too_short", "password too short", {"min_length": MIN_NEW_PASSWORD}
        )
    return value


Username = Annotated[str, Field(max_length=150), AfterValidator(_check_username)]
Email = Annotated[str, Field(max_length=320), AfterValidator(_check_email)]
NewPassword = Annotated[str, Field(max_length=1000), AfterValidator(_check_new_password)]
DisplayName = Annotated[str, Field(min_length=1, max_length=200)]
Language = Literal["nl", "en"]
BusinessId = Annotated[str, Field(min_length=1, max_length=32)]


def _dutch() -> list[Language]:
    return ["nl"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OperatorSettings(Strict):
    """What an operator does: which businesses they serve, in which languages, how many chats
    at once, and whether offered chats are accepted for them."""

    businesses: list[BusinessId] = Field(
        default_factory=list, max_length=MAX_BUSINESSES_SERVED, description="business ids served"
    )
    languages: list[Language] = Field(default_factory=_dutch, min_length=1, max_length=2)
    max_concurrent: int = Field(3, ge=1, le=20)
    auto_accept: bool = False


class UserCreate(Strict):
    username: Username
    display_name: DisplayName
    role: Role
    email: Email | None = Field(None, description="where invitations and password links go")
    language: Language = "nl"
    business_id: BusinessId | None = Field(
        None, description="required for a business user, refused for everyone else"
    )
    operator: OperatorSettings | None = Field(
        None, description="for operators only; defaults when left out"
    )

    @field_validator("username", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class UserUpdate(Strict):
    """A partial update: a field left out stays as it is; null is refused (an empty e-mail
    address removes it)."""

    display_name: DisplayName | None = None
    email: Email | None = None
    language: Language | None = None
    role: Role | None = None
    business_id: BusinessId | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("null_not_allowed", "null not allowed")
        return value


class OperatorOut(BaseModel):
    businesses: list[str]
    languages: list[str]
    max_concurrent: int
    auto_accept: bool


class UserOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: Role
    email: str | None
    language: str
    business_id: str | None
    is_active: bool
    has_password: bool = Field(description="false until an invitation has been used")
    created_at: datetime
    operator: OperatorOut | None = Field(None, description="for operators only")


class PasswordLinkOut(BaseModel):
    kind: Literal["invite", "reset"]
    sent_to: str = Field(description="the address the link was mailed to")
    expires_at: datetime


class PasswordSet(BaseModel):
    model_config = ConfigDict(extra="forbid")  # not stripped: spaces count in a password

    token: str = Field(min_length=1, max_length=200)
    password: NewPassword

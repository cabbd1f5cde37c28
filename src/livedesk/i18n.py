"""Server-side texts users read (error messages above all): Dutch first, English second.

An error's `code` is stable and machine-readable; its `message` is for the person in front of
the screen, in the language their request prefers (Accept-Language, Dutch when unsure).
A code without an entry here keeps the message it was raised with.
"""

from __future__ import annotations

from typing import Any

from livedesk.security.language import preferred_language

MESSAGES: dict[str, dict[str, str]] = {
    "nl": {
        # request validation, per field
        "missing": "Dit veld is verplicht.",
        "string_too_short": "Vul dit veld in.",
        "string_too_long": "Dit is te lang (hoogstens {max_length} tekens).",
        "string_pattern_mismatch": "Deze waarde heeft niet de juiste vorm.",
        "int_parsing": "Vul een geheel getal in.",
        "float_parsing": "Vul een getal in.",
        "bool_parsing": "Kies ja of nee.",
        "greater_than_equal": "Dit moet minstens {ge} zijn.",
        "less_than_equal": "Dit mag hoogstens {le} zijn.",
        "greater_than": "Dit moet meer dan {gt} zijn.",
        "less_than": "Dit moet minder dan {lt} zijn.",
        "literal_error": "Kies een van de mogelijke waarden.",
        "enum": "Kies een van de mogelijke waarden.",
        "url_parsing": "Dit is geen geldig webadres.",
        "url_scheme": "Een webadres begint met http:// of https://.",
        "too_long": "Dit zijn te veel items.",
        "extra_forbidden": "Dit veld bestaat niet.",
        "value_error": "Deze waarde is niet geldig.",
        # whole requests
        "invalid": "Niet alles is goed ingevuld: zie de velden.",
        "unauthorized": "Log eerst in.",
        "forbidden": "Dat mag u niet met deze rol.",
        "not_found": "Niet gevonden.",
        "rate_limited": "Te veel pogingen; probeer het over {retry_after} seconden opnieuw.",
        "too_large": "Dit verzoek is te groot.",
    },
    "en": {
        "missing": "This field is required.",
        "string_too_short": "Please fill in this field.",
        "string_too_long": "This is too long (at most {max_length} characters).",
        "string_pattern_mismatch": "This value does not have the right form.",
        "int_parsing": "Enter a whole number.",
        "float_parsing": "Enter a number.",
        "bool_parsing": "Choose yes or no.",
        "greater_than_equal": "This must be at least {ge}.",
        "less_than_equal": "This must be at most {le}.",
        "greater_than": "This must be more than {gt}.",
        "less_than": "This must be less than {lt}.",
        "literal_error": "Choose one of the possible values.",
        "enum": "Choose one of the possible values.",
        "url_parsing": "This is not a valid web address.",
        "url_scheme": "A web address starts with http:// or https://.",
        "too_long": "These are too many items.",
        "extra_forbidden": "This field does not exist.",
        "value_error": "This value is not valid.",
        "invalid": "Not everything is filled in correctly: see the fields.",
        "unauthorized": "Log in first.",
        "forbidden": "Your role does not allow that.",
        "not_found": "Not found.",
        "rate_limited": "Too many attempts; try again in {retry_after} seconds.",
        "too_large": "This request is too large.",
    },
}


def register(texts: dict[str, dict[str, str]]) -> None:
    """Domains add their own codes at import time: {"nl": {...}, "en": {...}}."""
    for language, entries in texts.items():
        MESSAGES.setdefault(language, {}).update(entries)


def text(code: str, language: str, default: str | None = None, **values: Any) -> str | None:
    """The message for `code` in `language` (Dutch when that language lacks it), filled in."""
    template = MESSAGES.get(language, {}).get(code) or MESSAGES["nl"].get(code)
    if template is None:
        return default
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


def request_language(accept_language: str | None) -> str:
    return preferred_language(accept_language)

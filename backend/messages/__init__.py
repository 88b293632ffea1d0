"""The one bilingual catalogue: every text a person may see from the backend, by a stable code.

    from backend.messages import text, texts
    text("card_expired", "ja", expired_on="2026-12-01")   # one language
    texts("card_expired", expired_on="2026-12-01").en     # both, named (never a positional pair)
    texts("no_collection", town=Texts(ja=m.name_ja, en=m.name_en))   # a value that has two languages

Each area keeps its entries in its own module here (auth.py, perks.py, ...); they are merged into
`CATALOGUE`, and a code defined twice stops the import. Placeholders are named (`{name}`) and the same
in both languages (tests/backend/test_messages.py checks it). Refusals are raised as
`backend.errors.Refusal(code, **values)`; the entry's `kind` decides the HTTP status in
backend/api/handlers.py. `FIELDS` names request fields the way the pages do, for validation messages.
"""

from __future__ import annotations

from backend.messages import (audit, auth, campaigns, civic, content, http, identity, perks, residency, sponsorship,
                              staff, validation, venues)
from backend.messages.entry import KINDS, REFUSALS, Label, Message, Texts, placeholders
from backend.messages.fields import FIELDS

__all__ = ["CATALOGUE", "FIELDS", "KINDS", "REFUSALS", "Label", "Message", "Texts", "UnknownMessage", "bilingual",
           "english_first", "field_label", "message", "placeholders", "text", "texts"]

LANGUAGES = ("ja", "en")


class UnknownMessage(LookupError):
    """Raised for a code the catalogue does not have: a typo, caught by the first request that meets it."""


def _merge(*areas) -> dict[str, Message]:
    merged: dict[str, Message] = {}
    for area in areas:
        for code, entry in area.MESSAGES.items():
            if code in merged:
                raise ValueError(f"message code {code!r} is defined twice (again in {area.__name__})")
            merged[code] = entry
    return merged


CATALOGUE: dict[str, Message] = _merge(http, validation, auth, audit, identity, perks, venues, campaigns, residency,
                                       civic, staff, content, sponsorship)


def message(code: str) -> Message:
    """The entry of `code`; UnknownMessage if there is none."""
    try:
        return CATALOGUE[code]
    except KeyError:
        raise UnknownMessage(f"no message {code!r} in backend/messages/") from None


def text(code: str, lang: str, /, **values) -> str:
    """The text of `code` in `lang` ("ja" or "en") with its placeholders filled from `values`."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    return getattr(message(code), lang).format(**_in(lang, values))


def texts(code: str, detail: str | None = None, /, **values) -> Texts:
    """The text of `code` in both languages; `detail`, a code of kind "detail", is appended to it."""
    entry = message(code)
    said = Texts(entry.ja.format(**_in("ja", values)), entry.en.format(**_in("en", values)))
    if detail is None:
        return said
    more = texts(detail, **values)
    return Texts(f"{said.ja}{more.ja}", f"{said.en} {more.en}")


def _in(lang: str, values: dict) -> dict:
    """`values` for one language: a bilingual value (Texts, Label: a town's name) gives its `lang` side."""
    return {name: getattr(v, lang) if isinstance(v, (Texts, Label)) else v for name, v in values.items()}


def bilingual(code: str, sep: str = " / ", /, **values) -> str:
    """Both languages in one text, Japanese first (mail subjects and bodies, which cannot switch language)."""
    said = texts(code, **values)
    return f"{said.ja}{sep}{said.en}"


def english_first(code: str, /, **values) -> str:
    """"<English> / <Japanese>": errors of the command-line tools, read by developers and staff alike."""
    said = texts(code, **values)
    return f"{said.en} / {said.ja}"


def field_label(name: str) -> Label:
    """How the pages name request field `name`; the name itself when no page shows it."""
    return FIELDS.get(name) or Label(name, name)

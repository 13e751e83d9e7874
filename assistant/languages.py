"""Which languages a program can write in: English (the templates' own words) and one more per gettext catalog in
the templates folder (`templates/locale/<code>/LC_MESSAGES/messages.po`).

A coordinator adds a language by adding a catalog; nothing here names the others. Codes are the catalogs' folder
names (`es`, `pt_BR`); a code is refused, never guessed, when no catalog answers to it.
"""

from __future__ import annotations

import re
from pathlib import Path

ENGLISH = "en"  # the templates are written in English: it needs no catalog
LOCALE_DIR = "locale"
_CODE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")  # es, pt_BR: what a locale folder is named


def catalog_path(templates: Path, code: str) -> Path:
    return templates / LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"


def available(templates: Path) -> tuple[str, ...]:
    """English, then every language with a catalog in `templates`, sorted."""
    found = sorted(
        p.parent.parent.name
        for p in (templates / LOCALE_DIR).glob("*/LC_MESSAGES/messages.po")
        if _CODE.fullmatch(p.parent.parent.name)
    )
    return (ENGLISH, *(code for code in found if code != ENGLISH))


def refusal(code: str, templates: Path) -> str | None:
    """Why `code` cannot be a language here (said for a person), or None when it can."""
    offered = available(templates)
    if code in offered:
        return None
    return (
        f"language {code!r} is not one this program writes in ({', '.join(offered)});"
        f" a language is added with its catalog, {catalog_path(templates, code)}"
    )

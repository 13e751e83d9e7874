"""A birthday read from how people write one, as month and day only ("03-14"): a year is never kept.

Read: "14 March", "March 14", "14th of March", "14 de marzo", "14. März", "03-14", "14/03", "14.3.", a full date
("1990-03-14", "14/03/1990", "March 14, 1990": the year is dropped, and the reading says so). Month names are
taken from the languages the answer tables know. Digits alone are read only when they cannot mean two dates:
"14/03" is 14 March (there is no month 14), "03/04" could be 3 April or 4 March and is refused, never guessed.
Dots are day first ("14.3.", "3.4.1990"): that is how every language that writes them means them. 29 February
is a birthday like any other (rules note it on 28 February in other years).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from assistant.forms.language import fold

# Full month names in the seven languages of the answer tables, and the English abbreviations people type.
_NAMES = (
    ("january", "jan", "enero", "janvier", "januar", "janeiro", "gennaio", "januari"),
    ("february", "feb", "febrero", "février", "fevrier", "februar", "fevereiro", "febbraio", "februari"),
    ("march", "mar", "marzo", "mars", "märz", "maerz", "março", "marco", "maart"),
    ("april", "apr", "abril", "avril", "aprile"),
    ("may", "mayo", "mai", "maio", "maggio", "mei"),
    ("june", "jun", "junio", "juin", "juni", "junho", "giugno"),
    ("july", "jul", "julio", "juillet", "juli", "julho", "luglio"),
    ("august", "aug", "agosto", "août", "aout", "augustus"),
    ("september", "sep", "sept", "septiembre", "setiembre", "septembre", "setembro", "settembre"),
    ("october", "oct", "octubre", "octobre", "oktober", "outubro", "ottobre"),
    ("november", "nov", "noviembre", "novembre", "novembro"),
    ("december", "dec", "diciembre", "décembre", "decembre", "dezember", "dezembro", "dicembre"),
)
MONTHS: dict[str, int] = {name: number for number, names in enumerate(_NAMES, 1) for name in names}
DAYS_IN = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February 29 is a birthday too
ENGLISH_MONTHS = tuple(names[0].capitalize() for names in _NAMES)

_MONTH = "(?P<month>" + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th|er|º|°|\.)?"
_YEAR = r"(?P<year>\d{4})"
# Words that may stand between a day and a month name: "14th of March", "14 de marzo", "le 14 mars", "am 14. März".
_GLUE = r"(?:\s+(?:of|de|del|di|van)\s+|\s*,?\s*)"
_WORDED = (
    re.compile(rf"^(?:(?:le|am|el|il|on|the|o|dia)\s+)?{_DAY}{_GLUE}{_MONTH}(?:,?\s+(?:de\s+)?{_YEAR})?$"),
    re.compile(rf"^{_MONTH}\s*{_DAY}(?:,?\s+{_YEAR})?$"),
)
_ISO = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$")
_DOTTED = re.compile(r"^(?P<day>\d{1,2})\.\s*(?P<month>\d{1,2})\.?(?:\s*(?P<year>\d{2}|\d{4}))?$")
_NUMERIC = re.compile(r"^(?P<a>\d{1,2})\s*[/-]\s*(?P<b>\d{1,2})(?:\s*[/-]\s*(?P<year>\d{2}|\d{4}))?$")


@dataclass(frozen=True)
class Birthday:
    """What was read: `value` "MM-DD" or None; `problem` says why not (politely, for a person); `year_dropped`
    when the text held a year, which is not kept."""

    value: str | None
    problem: str = ""
    year_dropped: bool = False


def read_birthday(text: str) -> Birthday:
    """A birthday as month and day, or a problem that says why it was not read (nothing is guessed)."""
    words = re.sub(r"\s+", " ", fold(text)).strip().strip("!").strip()
    if not words:
        return Birthday(None, "it is empty")
    for pattern in _WORDED:
        if found := pattern.match(words):
            return _checked(MONTHS[found["month"]], int(found["day"]), found["year"], text)
    if found := _ISO.match(words) or _DOTTED.match(words):
        return _checked(int(found["month"]), int(found["day"]), found["year"], text)
    if found := _NUMERIC.match(words):
        return _numeric(int(found["a"]), int(found["b"]), found["year"], text)
    return Birthday(None, f"{text.strip()!r} is not a date I can read; a day and a month like 14 March will do")


def _numeric(a: int, b: int, year: str | None, text: str) -> Birthday:
    """ "14/03" or "03-14": read only when one of the two cannot be a month."""
    if a > 12 >= b:
        return _checked(b, a, year, text)
    if b > 12 >= a:
        return _checked(a, b, year, text)
    if 1 <= a <= 12 and 1 <= b <= 12 and a != b:
        first, second = f"{a} {ENGLISH_MONTHS[b - 1]}", f"{b} {ENGLISH_MONTHS[a - 1]}"
        return Birthday(None, f"{text.strip()!r} could be {first} or {second}; please write the month as a word")
    if a == b and 1 <= a <= 12:
        return _checked(a, b, year, text)  # "05/05" is 5 May either way
    return Birthday(None, f"{text.strip()!r} is not a date: there is no such month")


def _checked(month: int, day: int, year: str | None, text: str) -> Birthday:
    if not 1 <= month <= 12:
        return Birthday(None, f"{text.strip()!r} is not a date: there is no such month")
    if not 1 <= day <= DAYS_IN[month - 1]:
        return Birthday(None, f"{text.strip()!r} is not a date: {ENGLISH_MONTHS[month - 1]} has no day {day}")
    if year and len(year) == 4 and not calendar.isleap(int(year)) and (month, day) == (2, 29):
        return Birthday(None, f"{text.strip()!r} is not a date: {year} had no 29 February")
    return Birthday(f"{month:02d}-{day:02d}", year_dropped=bool(year))


def spoken(value: str) -> str:
    """ "03-14" → "14 March": how a stored birthday is written in mail."""
    month, day = (int(part) for part in value.split("-"))
    return f"{day} {ENGLISH_MONTHS[month - 1]}"

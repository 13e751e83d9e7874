"""Jinja2 over templates/: each mail is <name>.subject.j2, <name>.txt.j2 and <name>.html.j2, in the reader's language.

StrictUndefined, so a misspelt variable fails loudly instead of mailing a blank; HTML autoescapes, so text a
person wrote can never become markup. Inbound text only ever reaches a template as a variable.

The templates' words are English, marked for translation (`{% trans %}`, `_()`: Jinja2's i18n extension, newstyle
gettext); each other language is a gettext catalog read from its .po file at start-up (templates/locale/<code>/
LC_MESSAGES/messages.po, no compile step), so a coordinator adds a language by adding a file. A string a catalog
lacks is written in English (gettext falls back to the message id); `missing_translations` lists them for `check`.
"""

from __future__ import annotations

import contextlib
import functools
import gettext
import io
import logging
import os
import re
import stat
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.ext
import jinja2.nodes
from babel import UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from markupsafe import Markup

from assistant import languages
from assistant.headertext import header_text

log = logging.getLogger(__name__)

PARTS = ("subject", "txt", "html")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class TemplateError(Exception):
    """A template is missing or broken; the message says file:line."""


class Renderer:
    """The templates in one language (`language`, English by default); `for_language` gives the same templates in
    another, sharing the catalogs read once."""

    def __init__(self, templates_dir: Path, language: str = languages.ENGLISH, catalogs: Catalogs | None = None):
        self.dir = Path(templates_dir)
        self.language = language
        self.catalogs = catalogs if catalogs is not None else Catalogs(self.dir)
        self._others: dict[str, Renderer] = {}
        translations = self.catalogs.translations(language)
        loader = jinja2.FileSystemLoader(str(self.dir))
        # auto_reload off: each template is read once, like the rules and the forms (a change takes a restart),
        # instead of a stat() of its file on every render of every mail.
        common: dict[str, Any] = {
            "undefined": jinja2.StrictUndefined,
            "keep_trailing_newline": False,
            "auto_reload": False,
            "extensions": ["jinja2.ext.i18n"],
        }
        self.text_env = _Environment(loader=loader, autoescape=False, bytecode_cache=_COMPILED[False], **common)
        self.html_env = _Environment(loader=loader, autoescape=True, bytecode_cache=_COMPILED[True], **common)
        for env in (self.text_env, self.html_env):
            env.filters["first_name"] = first_name
            env.filters["weekday"] = functools.partial(weekday, language=language)
            env.filters["day_month"] = functools.partial(day_month, language=language)
            env.filters["day"] = functools.partial(day, language=language)
            env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
            env.globals["gettext"] = _new_gettext(translations.gettext)
            env.globals["ngettext"] = _new_ngettext(translations.ngettext)
            env.globals["language"] = language.replace("_", "-")  # <html lang>, as BCP 47 writes it
        self._gettext = translations.gettext

    def for_language(self, language: str | None) -> Renderer:
        """These templates in `language` (None: this renderer's own); a language without a catalog is English."""
        if not language or language == self.language:
            return self
        if language not in self._others:
            self._others[language] = Renderer(self.dir, language, self.catalogs)
        return self._others[language]

    def render(self, name: str, context: dict[str, Any]) -> Rendered:
        if self.language != languages.ENGLISH:  # in English each value already says its own words (`localized`)
            context = localized(context, self.language, self._gettext)
        subject = self._render(self.text_env, f"{name}.subject.j2", context)
        return Rendered(
            subject=header_text(subject),  # one clean line: never a CR/LF or an encoded word in a header
            text=_tidy(self._render(self.text_env, f"{name}.txt.j2", context)) + "\n",
            html=self._render(self.html_env, f"{name}.html.j2", context),
        )

    def _render(self, env: jinja2.Environment, filename: str, context: dict[str, Any]) -> str:
        try:
            return env.get_template(filename).render(**context)
        except jinja2.TemplateNotFound:
            raise TemplateError(f"{self.dir / filename}: template not found") from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{exc.filename or filename}:{exc.lineno}: {exc.message}") from None
        except jinja2.UndefinedError as exc:
            raise TemplateError(f"{_where(exc, self.dir / filename)}: {exc.message}") from None

    def render_problems(self, name: str, context: dict[str, Any]) -> list[str]:
        """Each part of the mail `name` rendered with `context`: what fails, as `file:line: message` (a variable
        it is not given, an attribute its value lacks, a filter on the wrong kind of value)."""
        problems = []
        for env, part in ((self.text_env, "subject"), (self.text_env, "txt"), (self.html_env, "html")):
            path = self.dir / f"{name}.{part}.j2"
            if not path.exists():
                continue  # check() says it is missing
            try:
                env.get_template(path.name).render(**context)
            except jinja2.TemplateSyntaxError:
                continue  # check() gives its line
            except jinja2.UndefinedError as exc:
                problems.append(f"{_where(exc, path)}: {exc.message}")
            except Exception as exc:
                problems.append(f"{_where(exc, path)}: {type(exc).__name__}: {exc}")
        return problems

    def names(self) -> list[str]:
        """Every mail template in the folder (by its subject file)."""
        return sorted(p.name.removesuffix(".subject.j2") for p in self.dir.glob("*.subject.j2"))

    def check(self) -> list[str]:
        """Syntax errors (file:line) and missing parts of every template."""
        errors = []
        for path in sorted(self.dir.glob("*.j2")):
            try:
                self.text_env.parse(path.read_text(encoding="utf-8"), path.name, str(path))
            except jinja2.TemplateSyntaxError as exc:
                errors.append(f"{path}:{exc.lineno}: {exc.message}")
        for name in self.names():
            for part in PARTS:
                if not (self.dir / f"{name}.{part}.j2").exists():
                    errors.append(f"{self.dir / name}.{part}.j2: missing (every mail needs subject, txt and html)")
        return errors


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """Jinja's environment, with two costs of every render taken out and nothing else changed.

    `q.text` on a dict: Jinja tries the attribute first and reads the key after its AttributeError. A plain dict has
    no attribute but dict's own, so for any other name the key is what Jinja finds, read here without raising and
    catching an exception (a check-in reply's questions are dicts: two dozen lookups a mail).

    A template's globals: Jinja overlays a template's own on the environment's with a ChainMap, which every render
    copies key by key in Python. Ours never have their own (get_template refuses them), so they are the
    environment's dict itself: the same values, still the same when the environment's change.

    Loaded templates: Jinja's LRU cache takes a lock and reorders its queue on every hit (five a mail, with the
    layout and the leave line); ours are never reloaded (auto_reload off), so each is kept in a dict once loaded."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._loaded: dict[str, jinja2.Template] = {}

    def get_template(
        self, name: str | jinja2.Template, parent: str | None = None, globals: MutableMapping[str, Any] | None = None
    ) -> jinja2.Template:
        if globals:
            raise TypeError("templates here have no globals of their own: they share the environment's")
        if type(name) is not str:  # a Template object, say
            return super().get_template(name, parent)
        if parent is not None:  # an {% include %} or {% extends %}
            name = self.join_path(name, parent)
        found = self._loaded.get(name)
        if found is None:
            found = self._loaded[name] = super().get_template(name)
        return found

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return self.globals if not d else super().make_globals(d)


def _new_gettext(translate: Callable[[str], str]) -> Callable[..., str]:
    """The i18n extension's newstyle `gettext`, which the templates' `{% trans %}` calls: the translation, marked
    safe when autoescaping (its variables are escaped by the `%`), always formatted. Jinja's calls the translation
    through the context again (for a callable that wants one; ours do not): a second dispatch per sentence."""

    @jinja2.pass_eval_context
    def gettext(eval_ctx: jinja2.nodes.EvalContext, __string: str, **variables: Any) -> str:
        said = translate(__string)
        return (Markup(said) if eval_ctx.autoescape else said) % variables  # type: ignore[no-any-return]

    return gettext


def _new_ngettext(translate: Callable[[str, str, int], str]) -> Callable[..., str]:
    """The newstyle `ngettext` (`{% trans count=... %}...{% pluralize %}`), as `_new_gettext`; `num` is the count
    unless the template names it."""

    @jinja2.pass_eval_context
    def ngettext(
        eval_ctx: jinja2.nodes.EvalContext, __singular: str, __plural: str, __num: int, **variables: Any
    ) -> str:
        variables.setdefault("num", __num)
        said = translate(__singular, __plural, __num)
        return (Markup(said) if eval_ctx.autoescape else said) % variables  # type: ignore[no-any-return]

    return ngettext


class _Compiled(jinja2.BytecodeCache):
    """Templates compiled once per process, for every Renderer (one per language, one per App): compiling the
    templates of one mail costs tens of milliseconds. Kept on disk too (the user's cache folder: CACHE), so a new
    process (`run --once` from cron, `digest`, a restarted service) loads the compiled code instead of compiling
    again: the digest's templates took about 0.2 s to compile. Jinja keys an entry by the template's name and file
    and checks its own version, Python's and the source's checksum before using it, so an edited template is
    compiled again. One cache per autoescape setting: the same file compiles differently with and without it. A
    cache folder that cannot be used leaves the memory alone."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._code: dict[str, tuple[str | None, Any]] = {}
        self._disk: jinja2.FileSystemBytecodeCache | bool | None = None  # False: no usable folder here

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        found = self._code.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]
            return
        disk = self._on_disk()
        if disk:
            try:
                disk.load_bytecode(bucket)  # an entry of another source or version leaves the bucket empty
            except (OSError, ValueError, EOFError, TypeError):  # an unreadable entry is compiled again
                bucket.reset()
            if bucket.code is not None:
                self._code[bucket.key] = (bucket.checksum, bucket.code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = (bucket.checksum, bucket.code)
        disk = self._on_disk()
        if disk:
            with contextlib.suppress(OSError):
                disk.dump_bytecode(bucket)

    def _on_disk(self) -> jinja2.FileSystemBytecodeCache | None:
        if self._disk is None:
            folder = _cache_folder()
            self._disk = jinja2.FileSystemBytecodeCache(str(folder), f"{self.kind}-%s.cache") if folder else False
        return self._disk or None


# Compiled templates: $XDG_CACHE_HOME (~/.cache by default)/mentorship-assistant/templates, the owner's only.
CACHE = Path("mentorship-assistant") / "templates"


def _cache_folder() -> Path | None:
    """The folder for compiled templates, made owner-only; None when it cannot be made so, or is someone else's."""
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        folder = base / CACHE
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        found = folder.lstat()
        if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() or found.st_mode & 0o077:
            return None
    except (OSError, RuntimeError, AttributeError):  # no home, a read-only disk, no getuid (Windows)
        return None
    return folder


_COMPILED = {False: _Compiled("text"), True: _Compiled("html")}


class Catalogs:
    """Every catalog in the templates folder, read from its .po file once, when first needed."""

    def __init__(self, templates_dir: Path):
        self.dir = templates_dir
        self._read: dict[str, gettext.NullTranslations] = {}

    def translations(self, language: str) -> gettext.NullTranslations:
        if language not in self._read:
            self._read[language] = self._load(language)
        return self._read[language]

    def _load(self, language: str) -> gettext.NullTranslations:
        path = languages.catalog_path(self.dir, language)
        if language == languages.ENGLISH or not path.is_file():
            return gettext.NullTranslations()  # the message ids are the English words
        try:
            catalog = read_catalog(path)
        except CatalogError as exc:
            log.warning("%s; mail in %s is written in English until it is fixed (`check` says more)", exc, language)
            return gettext.NullTranslations()
        compiled = io.BytesIO()
        write_mo(compiled, catalog)  # in memory: the .po stays the only file (no compile step for a coordinator)
        compiled.seek(0)
        return gettext.GNUTranslations(compiled)


class CatalogError(Exception):
    """A .po file that cannot be read; the message says file:line."""


def read_catalog(path: Path) -> Any:
    try:
        with path.open("rb") as po:
            return read_po(po, locale=path.parent.parent.name, abort_invalid=True)
    except (PoFileError, ValueError, OSError) as exc:
        raise CatalogError(f"{path}: {exc}") from None


_AS_THEY_ARE = frozenset({str, int, float, bool, type(None)})  # most values: nothing to say, nothing inside


def localized(value: Any, language: str, translate: Any) -> Any:
    """The context as the reader reads it: each value that knows how to say itself in a language (a month's name,
    a form's question: their `localized` method) said in `language`; the rest unchanged. Such a value's English is
    its own text (tests/test_i18n_english.py), so an English render does not walk its context."""
    kind = type(value)
    if kind in _AS_THEY_ARE:
        return value
    if kind is dict:  # a mail's context and its rows: plain values are kept without a call each
        return {k: v if type(v) in _AS_THEY_ARE else localized(v, language, translate) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _AS_THEY_ARE else localized(v, language, translate) for v in value]
    if isinstance(value, str):
        say = getattr(value, "localized", None)
        return say(language, translate) if say is not None else value
    if isinstance(value, dict):
        return {k: localized(v, language, translate) for k, v in value.items()}
    if isinstance(value, list | tuple) and not hasattr(value, "_fields"):
        return type(value)(localized(v, language, translate) for v in value)
    return value


@dataclass(frozen=True)
class Message:
    """A string to translate, where a template or form says it."""

    id: str | tuple[str, str]  # (singular, plural) for a pluralised one
    path: Path
    line: int


def template_messages(templates_dir: Path) -> Iterator[Message]:
    """Every marked string of every template, with its file:line (what Babel extracts with babel.cfg)."""
    for path in sorted(Path(templates_dir).glob("*.j2")):
        with path.open("rb") as source:
            options = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}
            try:
                found = list(jinja2.ext.babel_extract(source, jinja2.ext.GETTEXT_FUNCTIONS, [], options))
            except jinja2.TemplateSyntaxError:
                continue  # check() gives its line
        for line, _function, message, _comments in found:
            ids = [m for m in (message if isinstance(message, tuple) else (message,)) if m]
            if ids:
                yield Message(ids[0] if len(ids) == 1 else (ids[0], ids[1]), path, line)


_LETTERS = re.compile(r"[^\W\d_]{2,}")  # a word: what a reader would read untranslated
_MARKUP = re.compile(r"<[^<>]*>|<!--.*?-->|&[a-z]+;|&#[0-9]+;", re.DOTALL)


def unmarked_text(templates_dir: Path) -> Iterator[tuple[Path, int, str]]:
    """Words a template writes outside `{% trans %}` and `_()`: they stay English in every language (a template
    written before it was marked, or by someone who did not mark it). Markup is not words: a tag is skipped whole,
    even one with an expression inside (`<a href="{{ url }}">`)."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    for path in sorted(Path(templates_dir).glob("*.j2")):
        try:
            tree = env.parse(path.read_text(encoding="utf-8"))
        except jinja2.TemplateSyntaxError:
            continue
        pieces = [(n.data, n.lineno) for n in tree.find_all(jinja2.nodes.TemplateData)]
        joined = "\x00".join(data for data, _ in pieces)  # \x00: where an expression or a tag of Jinja's was
        blanked = _MARKUP.sub(lambda m: " " * len(m.group(0)), joined)
        start = 0
        for data, line in pieces:
            words = " ".join(blanked[start : start + len(data)].split())
            start += len(data) + 1
            if _LETTERS.search(words):
                yield path, line, words[:60]


def missing_translations(templates_dir: Path, language: str, messages: list[Message]) -> list[str]:
    """For `check`: every message `language`'s catalog does not translate (or cannot be read), as
    `catalog: no translation of "msgid" (template:line)`, and every template's words not marked for translation.
    English needs no catalog."""
    if language == languages.ENGLISH:
        return []
    path = languages.catalog_path(templates_dir, language)
    try:
        catalog = read_catalog(path)
    except CatalogError as exc:
        return [str(exc)]
    problems = []
    for message in messages:
        entry = catalog.get(message.id)
        strings = entry.string if entry is not None else ""
        done = entry is not None and not entry.fuzzy and all(strings if isinstance(strings, tuple) else (strings,))
        if not done:
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            problems.append(f"{path}: no translation of {msgid!r} ({message.path}:{message.line})")
    unmarked: dict[Path, list[tuple[int, str]]] = {}
    for where, line, words in unmarked_text(templates_dir):
        unmarked.setdefault(where, []).append((line, words))
    for where, found in unmarked.items():  # one line a template: a template never marked has dozens of pieces
        line, words = found[0]
        more = f" (and {len(found) - 1} more, on lines {_lines([n for n, _ in found[1:]])})" if len(found) > 1 else ""
        problems.append(
            f"{where}:{line}: {words!r}{more} is not marked for translation: it stays English in {language}"
        )
    return list(dict.fromkeys(problems))


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in dict.fromkeys(numbers[:8]))
    return shown + (", ..." if len(numbers) > 8 else "")


def _where(exc: BaseException, path: Path) -> str:
    """file:line of the template line that failed: Jinja puts template frames, with their lines, in the traceback
    (the deepest is the most precise: an included partial, say)."""
    found, frame = str(path), exc.__traceback__
    while frame is not None:
        filename = frame.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = f"{filename}:{frame.tb_lineno}"
        frame = frame.tb_next
    return found


def first_name(name: str) -> str:
    """'Maya Patel' → 'Maya'; an empty name stays empty so templates can say 'Hi,' instead."""
    return name.split()[0] if name and name.split() else ""


def weekday(moment: str, language: str = languages.ENGLISH) -> str:
    """'2027-03-12T00:00:00+00:00' → 'Friday' (a birthday note says the day), in `language` through Babel
    ('viernes', 'vendredi', 'Freitag', 'sexta-feira'); text that is not a moment stays as is."""
    found = _moment(moment)
    if found is None:
        return str(moment)
    return _babel(found, language, lambda d, locale: format_date(d, "EEEE", locale=locale)) or found.strftime("%A")


def day_month(moment: str, language: str = languages.ENGLISH) -> str:
    """'2027-03-12T00:00:00+00:00' → '12 March' (no year: a birthday is month and day); in `language` as its locale
    writes a day and a month ('12 de marzo', '12 mars', '12. März', '12 de março')."""
    found = _moment(moment)
    if found is None:
        return str(moment)
    said = _babel(found, language, lambda d, locale: format_skeleton("MMMMd", d, locale=locale))
    return said or f"{found.day} {found.strftime('%B')}"


def day(value: str, language: str = languages.ENGLISH) -> str:
    """A day ('2027-03-01', or a moment) as a reader of `language` writes it in full ('1 de marzo de 2027',
    '1. März 2027'); English keeps the day as the program wrote it (ISO), as do text that is not a day and a
    language Babel does not know."""
    found = _moment(value)
    if found is None or language == languages.ENGLISH:
        return str(value)
    return _babel(found, language, lambda d, locale: format_date(d, "long", locale=locale)) or str(value)


def _moment(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _babel(found: date, language: str, say: Any) -> str | None:
    """`say(found, locale)` in `language`; None for English (the callers' own words) or a locale Babel lacks."""
    if language == languages.ENGLISH:
        return None
    try:
        return str(say(found, language))
    except (UnknownLocaleError, ValueError):
        return None


def _tidy(text: str) -> str:
    """At most one blank line in a row (each run of three or more line breaks made two), and no blank edges; by
    replacing, not with a regex, which tries its pattern at every character of the text."""
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()

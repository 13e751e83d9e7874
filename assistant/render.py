"""Jinja2 over templates/: each mail is <name>.subject.j2, <name>.txt.j2 and <name>.html.j2.

StrictUndefined, so a misspelt variable fails loudly instead of mailing a blank; HTML autoescapes, so text a
person wrote can never become markup. Inbound text only ever reaches a template as a variable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from assistant.headertext import header_text

PARTS = ("subject", "txt", "html")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class TemplateError(Exception):
    """A template is missing or broken; the message says file:line."""


class Renderer:
    def __init__(self, templates_dir: Path):
        self.dir = Path(templates_dir)
        loader = jinja2.FileSystemLoader(str(self.dir))
        # auto_reload off: each template is read once, like the rules and the forms (a change takes a restart),
        # instead of a stat() of its file on every render of every mail.
        common: dict[str, Any] = {
            "undefined": jinja2.StrictUndefined,
            "keep_trailing_newline": False,
            "auto_reload": False,
        }
        self.text_env = jinja2.Environment(loader=loader, autoescape=False, **common)
        self.html_env = jinja2.Environment(loader=loader, autoescape=True, **common)
        for env in (self.text_env, self.html_env):
            env.filters["first_name"] = first_name
            env.filters["weekday"] = weekday
            env.filters["day_month"] = day_month

    def render(self, name: str, context: dict[str, Any]) -> Rendered:
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


def weekday(moment: str) -> str:
    """'2027-03-12T00:00:00+00:00' → 'Friday' (a birthday note says the day); text that is not a moment stays as is."""
    try:
        return datetime.fromisoformat(moment).strftime("%A")
    except (TypeError, ValueError):
        return str(moment)


def day_month(moment: str) -> str:
    """'2027-03-12T00:00:00+00:00' → '12 March' (no year: a birthday is month and day)."""
    try:
        found = datetime.fromisoformat(moment)
    except (TypeError, ValueError):
        return str(moment)
    return f"{found.day} {found.strftime('%B')}"


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()

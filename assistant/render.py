"""Jinja2 over templates/: each mail is <name>.subject.j2, <name>.txt.j2 and <name>.html.j2.

StrictUndefined, so a misspelt variable fails loudly instead of mailing a blank; HTML autoescapes, so text a
person wrote can never become markup. Inbound text only ever reaches a template as a variable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
            raise TemplateError(f"{self.dir / filename}: {exc.message}") from None

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


def first_name(name: str) -> str:
    """'Maya Patel' → 'Maya'; an empty name stays empty so templates can say 'Hi,' instead."""
    return name.split()[0] if name and name.split() else ""


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()

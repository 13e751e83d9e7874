"""Wiring: one config → the database, templates, forms, rules, outbox and transports the program runs on.

Everything a coordinator edits (config, templates, forms, rules) is loaded and validated once, at start-up; `check`
gathers every problem in them in one list.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from assistant import health
from assistant.clock import Clock, iso
from assistant.config import Config, ImapConfig, SmtpConfig, load_config
from assistant.coordinator.digest import figures as digest_figures
from assistant.coordinator.digest import send_digest_if_due
from assistant.db import compact, open_db, refresh_statistics
from assistant.engine.schema import Rule, load_rules, read_rules
from assistant.forms.extract import form_messages
from assistant.forms.form import Form, Forms, form_problems, load_form, load_forms
from assistant.inbound import expunge
from assistant.inbound.checkpoints import MailboxCheckpoint
from assistant.inbound.ledger import ingest, set_aside
from assistant.inbound.pipeline import process_pending
from assistant.languages import ENGLISH
from assistant.outbox import DrainResult, Outbox
from assistant.outbox.broken import guarded
from assistant.program import cohorts, escalations
from assistant.program.checkins.cycle import run_cycle
from assistant.program.followup import apply, schedule, wait
from assistant.program.introductions import asks as introductions
from assistant.program.privacy import purge_raw
from assistant.program.samples import samples_for
from assistant.render import Message, Renderer, missing_translations, template_messages
from assistant.transport.base import Inbox, Outbound
from assistant.transport.factory import open_inbox, open_outbound
from assistant.transport.oauth2 import TokenError, auth_command, read_token_file
from assistant.transport.problems import ConnectionProblem
from assistant.yamlfile import YamlError

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    received: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    prompts: int = 0
    rule_mails: int = 0
    drained: DrainResult = field(default_factory=DrainResult)
    problems: list[ConnectionProblem] = field(default_factory=list)  # servers that could not be used

    def line(self) -> str:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())) or "none"
        return (
            f"received {self.received} (outcomes: {outcomes}); queued {self.prompts} check-in prompts and "
            f"{self.rule_mails} follow-up mails; sent {self.drained.sent}, retrying {self.drained.retrying}, "
            f"failed {self.drained.failed}"
        )


def program_rules(config: Config) -> list[Rule]:
    """The program's rules, validated, without opening the database (for `browse`, which only reads it)."""
    renderer = Renderer(config.templates)
    form = load_forms(config.templates / "forms", config.checkins.form).checkin
    return load_rules(config.rules, renderer.names(), tuple(q.key for q in form.questions))


class App:
    def __init__(self, config: Config, clock: Clock, db: Database | None = None):
        self.config, self.clock = config, clock
        self.renderer = Renderer(config.templates, config.language)
        self.forms: Forms = load_forms(config.templates / "forms", config.checkins.form)
        self.rules: list[Rule] = load_rules(config.rules, self.renderer.names(), self.form_keys)
        self.db = db if db is not None else open_db(config.database)
        cohorts.sync(self.db, config, clock.now())  # `report` and `export` read cohorts as the config says them
        self.outbox = Outbox(self.db, config, self.renderer, clock)
        self._inbox: Inbox | None = None
        self._outbound: Outbound | None = None
        self._compact_due = False  # an erasure's rows are still in the file's free pages or the WAL
        self._expunge_due = True  # erased mail a previous process could not remove yet: looked for at the first poll

    @property
    def form(self) -> Form:
        """The monthly check-in form."""
        return self.forms.checkin

    @property
    def form_keys(self) -> tuple[str, ...]:
        return tuple(q.key for q in self.form.questions)

    @classmethod
    def from_path(cls, path: Path | str, clock: Clock) -> App:
        return cls(load_config(path), clock)

    @property
    def inbox(self) -> Inbox:
        if self._inbox is None:
            self._inbox = open_inbox(self.config.inbox, MailboxCheckpoint(self.db))
        return self._inbox

    @property
    def outbound(self) -> Outbound:
        if self._outbound is None:
            self._outbound = open_outbound(self.config.outbound)
        return self._outbound

    def poll(self, report: CycleReport) -> None:
        report.received += ingest(self.db, self.inbox, self.clock, self.config.limits)
        outcomes = process_pending(self.db, self.config, self.forms, self.outbox, self.clock, self.figures)
        report.outcomes.update(outcomes)
        set_aside(self.db, self.inbox, self.clock)  # IMAP: what was just quarantined goes to the quarantine folder
        self._finished("poll", report, self.inbox.problem)  # before a compaction, which leaves the WAL empty
        # An erasure's mail leaves the folders we own. The table is read at the first poll of a process and after
        # an erasure, not at every poll: a reply costs no statement for it.
        if self._expunge_due or outcomes["erased"]:
            if expunge.pending(self.db):
                expunge.expunge_pending(self.db, self.inbox, self.outbound)
            self._expunge_due = expunge.pending(self.db)  # the server was away: try again next poll
        self._compact_due = self._compact_due or bool(outcomes["erased"])
        if self._compact_due:  # and its rows leave the file's bytes: once per poll, however many erasures
            self._compact()

    def figures(self, now: datetime) -> dict[str, Any]:
        """This cycle's figures, as the digest counts them (for a coordinator's `status` by email)."""
        return digest_figures(self.db, self.config, now, rules=self.rules, limit=0)

    def _compact(self) -> None:
        """Another process reading the file (`browse`) can keep the WAL from being emptied: the next poll tries
        again, until it is done."""
        try:
            done = compact(self.db)
        except sqlite3.OperationalError as exc:
            done, why = False, str(exc)
        else:
            why = "another connection is reading the database"
        if not done:
            log.warning("the database could not be compacted after an erasure (%s); will try again", why)
        self._compact_due = not done

    def tick(self, report: CycleReport) -> None:
        counts = tick(self.db, self.config, self.form, self.rules, self.outbox, self.clock.now())
        report.prompts += counts["prompts"]
        report.rule_mails += counts["rule_mails"]
        self._finished("tick", report, None)

    def drain(self, report: CycleReport) -> None:
        try:
            result = self.outbox.drain(self.outbound)
        finally:
            self.outbound.close()  # one connection per drain
        report.drained.sent += result.sent
        report.drained.retrying += result.retrying
        report.drained.failed += result.failed
        self._finished("drain", report, result.problem)

    def job_failed(self, job: str, error: BaseException) -> None:
        """A step ended in an exception (the loop logs it and goes on): `status` shows it."""
        health.failed(self.db, job, iso(self.clock.now()), f"{type(error).__name__}: {error}")

    def _finished(self, job: str, report: CycleReport, problem: ConnectionProblem | None) -> None:
        now = iso(self.clock.now())
        if problem is None:
            health.worked(self.db, job, now)
        else:
            report.problems.append(problem)
            health.failed(self.db, job, now, problem.line())

    def run_once(self) -> CycleReport:
        """One full cycle: ingest and process mail, run the check-in cycle and rules, send what is due."""
        report = CycleReport()
        self.poll(report)
        self.tick(report)
        self.drain(report)
        return report

    def close(self) -> None:
        for transport in (self._inbox, self._outbound):
            if transport is not None:
                transport.close()
        self.db.close()


def tick(db: Database, config: Config, form: Form, rules: list[Rule], outbox: Outbox, now: datetime) -> dict[str, int]:
    """The scheduled work: this month's check-ins, the rules, introductions, the coordinators' daily list (what the
    rules batched), the digest, raw-mail retention, the query planner's statistics."""

    def step(what: str, work: Callable[[], int]) -> int:  # a broken template stops only the mail needing it
        return guarded(outbox, config, now, what, work)

    cohorts.sync(db, config, now)  # the config's cohorts, as the cycle and the rules read them
    prompts = step("the check-in prompts", lambda: run_cycle(db, config, form, outbox, now))
    planned = schedule(db, config, form, rules, now)
    intents = planned.due
    mails = sum(
        step(f"the mail of the rule {i.rule.name}", partial(apply, db, config, form, outbox, i, now)) for i in intents
    )
    wait(db, planned, now)  # what the pace held back waits for its slot (never dropped)
    mails += step("the introductions' mail", lambda: introductions.tick(db, config, outbox, now))
    mails += step("the coordinators' daily list", lambda: escalations.send_if_due(db, config, outbox, now))
    digests = step("the weekly digest", lambda: send_digest_if_due(db, config, outbox, now, rules))
    purge_raw(db, iso(now - timedelta(days=config.limits.raw_retention_days)))
    refresh_statistics(db, iso(now))  # once a day, a few milliseconds
    return {"prompts": prompts, "rule_mails": mails, "intents": len(intents), "digests": digests}


def secret_problems(config: Config) -> list[str]:
    """Each password or token variable the config names that is not set here: the first poll would fail on it."""
    wanted: list[tuple[str, str | None, str]] = []
    problems = token_file_problems(config)
    if isinstance(config.inbox, ImapConfig) and not config.inbox.oauth2:
        key = "inbox.oauth2_token_env" if config.inbox.oauth2_token_env else "inbox.password_env"
        wanted.append((key, config.inbox.oauth2_token_env or config.inbox.password_env, "the IMAP password or token"))
    if isinstance(config.outbound, SmtpConfig) and config.outbound.username and not config.outbound.oauth2:
        wanted.append(("outbound.password_env", config.outbound.password_env, "the SMTP password"))
    return problems + [
        f"{config.path}: {key}: the environment variable {variable} is not set; it must hold {what}"
        f" (export {variable}=... where the assistant runs, or name another variable)"
        for key, variable, what in wanted
        if variable and not os.environ.get(variable)
    ]


def token_file_problems(config: Config) -> list[str]:
    """Each OAuth2 token file the config names that the first login could not use: missing, or readable by others."""
    blocks = {
        f"{key}.oauth2.token_file": server.oauth2
        for key, server in (("inbox", config.inbox), ("outbound", config.outbound))
        if isinstance(server, ImapConfig | SmtpConfig) and server.oauth2
    }
    problems, seen = [], set()
    for key, block in blocks.items():
        if block.token_file in seen:  # one file shared by IMAP and SMTP: one problem
            continue
        seen.add(block.token_file)
        try:
            read_token_file(block.token_file, auth_command(block, config.path))
        except TokenError as exc:
            problems.append(f"{config.path}: {key}: {exc.detail}. {exc.advice}")
    return problems


def check(path: Path | str) -> list[str]:
    """Every problem in the config and the files it names, as `file:line: message` lines."""
    try:
        config = load_config(path)
    except YamlError as exc:
        return [str(exc)]
    problems = secret_problems(config)
    renderer = Renderer(config.templates)
    problems += renderer.check() if config.templates.is_dir() else [f"{config.templates}: templates folder not found"]
    problems += form_problems(config.templates / "forms", config.checkins.form)
    form: Form | None = None
    with contextlib.suppress(YamlError):  # already listed by form_problems
        form = load_form(config.form_path)
    rules, rule_problems = read_rules(
        config.rules, renderer.names(), tuple(q.key for q in form.questions) if form else ()
    )
    problems += [str(p) for p in rule_problems]
    if not config.rules.is_dir():
        problems.append(f"{config.rules}: rules folder not found")
    if form is not None and not problems:
        problems += template_problems(renderer, rules, form, config)
    problems += translation_problems(config)
    return problems


def translation_problems(config: Config) -> list[str]:
    """For each language the program writes in (its own, and each participant's), every string its catalog does
    not translate: the catalog, the message, and the template or form file:line it comes from. English needs none."""
    used = sorted({config.language, *participant_languages(config.database)} - {ENGLISH})
    if not used or not config.templates.is_dir():
        return []
    messages = list(template_messages(config.templates))
    messages += [Message(text, path, line) for text, path, line in form_messages(config.templates / "forms")]
    return [problem for language in used for problem in missing_translations(config.templates, language, messages)]


def participant_languages(database: Path) -> set[str]:
    """The languages participants chose, read without creating or migrating the database (`check` writes nothing)."""
    if not database.is_file():
        return set()
    try:
        with contextlib.closing(sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)) as db:
            rows = db.execute("SELECT DISTINCT language FROM participants WHERE language IS NOT NULL").fetchall()
    except sqlite3.Error:
        return set()  # not migrated yet (no column): nobody chose a language
    return {row[0] for row in rows}


def template_problems(renderer: Renderer, rules: list[Rule], form: Form, config: Config) -> list[str]:
    """Every template rendered as it will be sent (by the program, by each rule naming it), with a sample of what
    it is given: a variable it is not given is a file:line problem now, not a failed tick on check-in day."""
    problems = []
    for name in renderer.names():
        for sender, context in samples_for(name, rules, form, config):
            problems += [f"{problem} (as {sender} sends it)" for problem in renderer.render_problems(name, context)]
    return list(dict.fromkeys(problems))  # a mistake in a shared partial is said once per way it is reached

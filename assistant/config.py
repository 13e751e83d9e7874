"""config.yaml → frozen dataclasses. Every error names the key, the file:line and what would be valid.

Secrets never live in the file: a transport names the environment variable that holds its password, or (OAuth2) the
owner-only token file that `mentor-assistant auth` writes.
Relative paths are read from the directory of the config file, so a program folder can move as a whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant import languages, yamlfile
from assistant.clock import parse_day
from assistant.yamlfile import Located, YamlError

ConfigError = YamlError


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class MaildirConfig:
    """A local Maildir folder: the embedded default for the inbox and for outbound mail."""

    path: Path
    type: str = "maildir"


@dataclass(frozen=True)
class OAuth2Config:
    """OAuth2 (XOAUTH2) for one server: which provider, which registered app, and the owner-only file that holds
    the refresh token (written by `mentor-assistant auth`). The only secret the config points at is that file."""

    provider: str  # microsoft | google
    token_file: Path
    client_id: str | None = None  # microsoft: required; google: read from the client secrets with the token
    tenant: str = "organizations"  # microsoft: a tenant id or domain, or organizations
    authority: str | None = None  # microsoft: the sign-in host, for national clouds (default login.microsoftonline.com)
    token_uri: str | None = None  # google: the token endpoint (default Google's; another only for a local test server)


OAUTH2_PROVIDERS = ("microsoft", "google")
OAUTH2_KEYS = {"provider", "client_id", "tenant", "authority", "token_uri", "token_file"}


@dataclass(frozen=True)
class ImapConfig:
    """An IMAP mailbox. The password (or an OAuth2 token) comes from the environment variable named here."""

    host: str
    username: str
    port: int
    tls: str  # imaps | starttls | none (loopback only)
    password_env: str | None = None
    oauth2_token_env: str | None = None
    oauth2: OAuth2Config | None = None
    ca_file: Path | None = None
    folder: str = "INBOX"
    processed_folder: str | None = None  # None: flag processed mail instead of moving it
    quarantine_folder: str | None = None
    idle: bool = True
    poll_seconds: int = 30
    type: str = "imap"


@dataclass(frozen=True)
class SmtpConfig:
    """An SMTP submission server. The password comes from the environment variable named here."""

    host: str
    port: int
    tls: str  # ssl | starttls | none (loopback only)
    username: str | None = None
    password_env: str | None = None
    oauth2: OAuth2Config | None = None
    ca_file: Path | None = None
    rate_per_minute: int = 60
    per_recipient_per_day: int = 20
    sent_folder: str | None = None  # APPEND a copy here (needs an IMAP inbox)
    type: str = "smtp"


InboxConfig = MaildirConfig | ImapConfig
OutboundConfig = MaildirConfig | SmtpConfig


@dataclass(frozen=True)
class CheckinConfig:
    """When the check-in prompt goes out (this day of each month, from this hour, program time) and which month it
    asks about: the month just ended (`previous_month`, for a prompt early in the month) or the month it goes out in
    (`current_month`, for a prompt near the month's end)."""

    day_of_month: int = 1
    hour: int = 9
    form: str = "monthly"
    asks_about: str = "previous_month"


ASKS_ABOUT = ("previous_month", "current_month")


@dataclass(frozen=True)
class DigestConfig:
    """The coordinators' weekly digest: on this weekday (0 = Monday), from this hour, program time."""

    enabled: bool = True
    weekday: int = 0
    hour: int = 8


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class IntroConfig:
    """Introductions: how long a mentor has to answer, who hears "tell me more", whether coordinators are copied."""

    answer_days: int = 5
    tell_me_more: str = "coordinator"  # coordinator | mentee
    cc_coordinator: bool = True


@dataclass(frozen=True)
class Cohort:
    """A cycle of the program ("the spring cohort, six months"): its pairs start together, are checked on at its
    mid-point and close at its end. `every_months` is its check-in rhythm: a prompt every this many months, counted
    from the month it starts (1: monthly, the default; 0: no monthly check-ins)."""

    name: str
    start: date
    end: date
    every_months: int = 1

    @property
    def midpoint(self) -> date:
        return self.start + timedelta(days=(self.end - self.start).days // 2)

    @property
    def rhythm(self) -> str:
        """The rhythm as the config writes it."""
        if self.every_months == 0:
            return "none"
        return "monthly" if self.every_months == 1 else f"every {self.every_months} months"


COHORT_KEYS = {"name", "start", "end", "checkins"}
COHORT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,59}")
_EVERY = re.compile(r"every\s+([0-9]{1,2})\s+months?", re.I)


@dataclass(frozen=True)
class Limits:
    max_message_bytes: int = 10 * 1024 * 1024
    keep_raw_bytes: int = 256 * 1024
    mails_per_address_per_day: int = 10  # mail that inbound mail sets off, per recipient address per day
    max_attempts: int = 3
    raw_retention_days: int = 180  # stored raw mail (inbound and sent) is purged after this many days
    pace_days: int = 7  # at most one program mail a participant in this many days (PROGRAM.md: a week); 0: no pacing


@dataclass(frozen=True)
class WebConfig:
    """The one-click unsubscribe page (RFC 8058): the https address people reach it at (`public_url`, behind a
    reverse proxy that terminates TLS), and where the assistant itself listens (loopback by default)."""

    public_url: str  # e.g. https://mentoring.example.org (no trailing slash)
    host: str = "127.0.0.1"
    port: int = 8025

    def unsubscribe_url(self, token: str) -> str:
        return f"{self.public_url}/unsubscribe/{token}"


@dataclass(frozen=True)
class Config:
    path: Path
    program_name: str
    assistant: Person
    coordinators: tuple[Person, ...]
    timezone: ZoneInfo
    database: Path
    inbox: InboxConfig
    outbound: OutboundConfig
    checkins: CheckinConfig
    digest: DigestConfig
    introductions: IntroConfig
    templates: Path
    rules: Path
    limits: Limits
    web: WebConfig | None = None  # the one-click unsubscribe endpoint; without `web:`: no https link, no server
    language: str = "en"  # the program's language: coordinators' mail, and participants who chose none
    authserv_id: str | None = None  # our own mail server's name in Authentication-Results (trusted DMARC verdicts)
    cohorts: tuple[Cohort, ...] = ()  # the program's cycles; none: every pairing runs on its own from its start
    notices: tuple[str, ...] = ()  # file:line notes that are not errors (an old key, still accepted): `check` says them

    @property
    def form_path(self) -> Path:
        return self.templates / "forms" / f"{self.checkins.form}.yaml"

    def cohort(self, name: str) -> Cohort | None:
        """The cohort of this name (letter case aside), or None: a name is looked up, never guessed."""
        wanted = name.strip().casefold()
        return next((c for c in self.cohorts if c.name.casefold() == wanted), None)

    @property
    def domain(self) -> str:
        return self.assistant.email.rpartition("@")[2]


TOP_KEYS = {
    "program_name",
    "language",
    "assistant",
    "coordinators",
    "timezone",
    "database",
    "inbox",
    "outbound",
    "checkins",
    "digest",
    "introductions",
    "templates",
    "rules",
    "limits",
    "web",
    "cohorts",
}
IMAP_KEYS = {
    "type",
    "host",
    "port",
    "username",
    "password_env",
    "oauth2_token_env",
    "oauth2",
    "tls",
    "ca_file",
    "folder",
    "processed_folder",
    "quarantine_folder",
    "idle",
    "poll_seconds",
}
SMTP_KEYS = {
    "type",
    "host",
    "port",
    "username",
    "password_env",
    "oauth2",
    "tls",
    "ca_file",
    "rate_per_minute",
    "per_recipient_per_day",
    "sent_folder",
}
LOOPBACK = ("localhost", "127.0.0.1", "::1")


def load_config(path: Path | str) -> Config:
    """Read and validate a config file. Raises ConfigError (file:line: message)."""
    path = Path(path)
    data = yamlfile.load(path)
    if not isinstance(data, Located):
        raise ConfigError(path, None, "the config must be a mapping of keys like `database:` and `inbox:`")
    yamlfile.check_keys(data, TOP_KEYS, "the config")
    base = path.parent
    reader = _Reader(path, data)
    notices: list[str] = []
    limits = _limits(reader, notices)
    templates = base / reader.text("templates", "./templates")
    return Config(
        path=path,
        program_name=reader.text("program_name", "Mentoring Program"),
        assistant=_assistant(reader),
        coordinators=_coordinators(reader),
        timezone=_timezone(reader),
        database=base / reader.text("database", "./var/program.db"),
        inbox=_inbox(reader, base),
        outbound=_outbound(reader, base),
        checkins=_checkins(reader),
        digest=_digest(reader),
        introductions=_introductions(reader),
        templates=templates,
        language=_language(reader, templates),
        rules=base / reader.text("rules", "./rules"),
        limits=limits,
        web=_web(reader),
        cohorts=_cohorts(reader),
        notices=tuple(notices),
        authserv_id=_optional(reader.section("assistant", {"name", "address", "authserv_id"}), "authserv_id"),
    )


class _Reader:
    """Typed access to one mapping, with errors that point at the line."""

    def __init__(self, path: Path, data: Located, prefix: str = ""):
        self.path, self.data, self.prefix = path, data, prefix

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(self.path, self.data.line_of(key), f"{self.prefix}{key}: {message}")

    def section(self, key: str, allowed: set[str], required: bool = False) -> _Reader:
        value = self.data.get(key)
        if value is None:
            if required:
                raise ConfigError(self.path, self.data.line, f"missing required key `{self.prefix}{key}`")
            value = Located()
            value.line, value.key_lines, value.path = self.data.line_of(key), {}, str(self.path)
        if not isinstance(value, Located):
            raise self.fail(key, f"expected a mapping with keys {', '.join(sorted(allowed))}")
        yamlfile.check_keys(value, allowed, f"`{self.prefix}{key}`")
        return _Reader(self.path, value, f"{self.prefix}{key}.")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None:
            raise ConfigError(self.path, self.data.line, f"missing required key `{self.prefix}{key}`")
        if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value).strip():
            raise self.fail(key, f"expected text, got {value!r}")
        return str(value).strip()

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.fail(key, f"expected a whole number from {low} to {high}, got {value!r}")
        return value

    def email(self, key: str) -> str:
        value = self.text(key)
        local, at, domain = value.rpartition("@")
        if not at or not local or "." not in domain or any(c in value for c in ' <>,;()"\r\n'):
            raise self.fail(key, f"expected an email address like someone@example.org, got {value!r}")
        return value.lower()


def _assistant(reader: _Reader) -> Person:
    section = reader.section("assistant", {"name", "address", "authserv_id"}, required=True)
    return Person(name=section.text("name", "Mentoring Assistant"), email=section.email("address"))


def _coordinators(reader: _Reader) -> tuple[Person, ...]:
    items = reader.data.get("coordinators")
    if not isinstance(items, list) or not items:
        raise reader.fail("coordinators", "expected a list of at least one {name: ..., email: ...}")
    people = []
    for index, item in enumerate(items):
        if not isinstance(item, Located):
            raise ConfigError(reader.path, items.line_of(index), "each coordinator is {name: ..., email: ...}")
        yamlfile.check_keys(item, {"name", "email"}, "a coordinator")
        person = _Reader(reader.path, item, f"coordinators[{index}].")
        people.append(Person(name=person.text("name"), email=person.email("email")))
    return tuple(people)


def _language(reader: _Reader, templates: Path) -> str:
    code = reader.text("language", languages.ENGLISH)
    why = languages.refusal(code, templates)
    if why is not None:
        raise reader.fail("language", why)
    return code


def _timezone(reader: _Reader) -> ZoneInfo:
    name = reader.text("timezone", "UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a folder of zones, not one
        raise reader.fail("timezone", f"unknown time zone {name!r}; use an IANA name like Europe/London") from None


def _inbox(reader: _Reader, base: Path) -> InboxConfig:
    kind = _transport_type(reader, "inbox", ("maildir", "imap"))
    if kind == "maildir":
        return MaildirConfig(path=base / reader.section("inbox", {"type", "path"}).text("path"))
    section = reader.section("inbox", IMAP_KEYS)
    tls = _tls(section, ("imaps", "starttls", "none"), "imaps")
    return ImapConfig(
        host=section.text("host"),
        username=section.text("username"),
        port=section.integer("port", 993 if tls == "imaps" else 143, 1, 65535),
        tls=tls,
        password_env=_optional(section, "password_env"),
        oauth2_token_env=_optional(section, "oauth2_token_env"),
        oauth2=_oauth2(section, base, ("password_env", "oauth2_token_env")),
        ca_file=base / section.text("ca_file") if section.data.get("ca_file") else None,
        folder=section.text("folder", "INBOX"),
        processed_folder=_optional(section, "processed_folder"),
        quarantine_folder=_optional(section, "quarantine_folder"),
        idle=bool(section.data.get("idle", True)),
        poll_seconds=section.integer("poll_seconds", 30, 5, 3600),
    )


def _outbound(reader: _Reader, base: Path) -> OutboundConfig:
    kind = _transport_type(reader, "outbound", ("maildir", "smtp"))
    if kind == "maildir":
        return MaildirConfig(path=base / reader.section("outbound", {"type", "path"}).text("path"))
    section = reader.section("outbound", SMTP_KEYS)
    tls = _tls(section, ("ssl", "starttls", "none"), "starttls")
    return SmtpConfig(
        host=section.text("host"),
        port=section.integer("port", 465 if tls == "ssl" else 587, 1, 65535),
        tls=tls,
        username=_optional(section, "username"),
        password_env=_optional(section, "password_env"),
        oauth2=_oauth2(section, base, ("password_env",), needs_username=True),
        ca_file=base / section.text("ca_file") if section.data.get("ca_file") else None,
        rate_per_minute=section.integer("rate_per_minute", 60, 1, 100_000),
        per_recipient_per_day=section.integer("per_recipient_per_day", 20, 1, 10_000),
        sent_folder=_optional(section, "sent_folder"),
    )


def _oauth2(
    section: _Reader, base: Path, instead: tuple[str, ...], needs_username: bool = False
) -> OAuth2Config | None:
    """The `oauth2` block of a server, if any: it replaces the password, so naming both is refused."""
    if section.data.get("oauth2") is None:
        return None
    both = [key for key in instead if section.data.get(key) is not None]
    if both:
        raise section.fail("oauth2", f"use either `oauth2` or `{both[0]}`, not both")
    if needs_username and section.data.get("username") is None:
        raise section.fail("oauth2", "OAuth2 logs in as a user: set `username` too")
    block = section.section("oauth2", OAUTH2_KEYS)
    provider = block.text("provider")
    if provider not in OAUTH2_PROVIDERS:
        raise block.fail("provider", f"{provider!r} is not valid; valid: {', '.join(OAUTH2_PROVIDERS)}")
    if provider == "microsoft" and block.data.get("client_id") is None:
        raise block.fail("client_id", "Microsoft needs the application (client) ID of your Entra app registration")
    only = {"tenant": "microsoft", "authority": "microsoft", "token_uri": "google"}
    for key, owner in only.items():
        if provider != owner and block.data.get(key) is not None:
            raise block.fail(key, f"only for provider {owner}")
    for key in ("authority", "token_uri"):
        address = _optional(block, key)
        if address is not None and not address.startswith("https://"):
            raise block.fail(key, f"expected an https:// address, got {address!r}")
    return OAuth2Config(
        provider=provider,
        token_file=base / block.text("token_file"),
        client_id=_optional(block, "client_id"),
        tenant=block.text("tenant", "organizations"),
        authority=_optional(block, "authority"),
        token_uri=_optional(block, "token_uri"),
    )


def _transport_type(reader: _Reader, key: str, valid: tuple[str, ...]) -> str:
    section = reader.section(key, {"type"} | IMAP_KEYS | SMTP_KEYS | {"path"}, required=True)
    kind = section.text("type")
    if kind not in valid:
        raise section.fail("type", f"{kind!r} is not valid here; valid: {', '.join(valid)}")
    return kind


def _tls(section: _Reader, valid: tuple[str, ...], default: str) -> str:
    tls = section.text("tls", default)
    if tls not in valid:
        raise section.fail("tls", f"{tls!r} is not valid; valid: {', '.join(valid)}")
    if tls == "none" and section.text("host") not in LOOPBACK:
        raise section.fail("tls", "`none` sends passwords and mail in clear text: allowed only for a loopback host")
    return tls


def _optional(section: _Reader, key: str) -> str | None:
    return section.text(key) if section.data.get(key) is not None else None


# Printable ASCII without anything that would end the URL in a header (`<>`, `,`, spaces) or need escaping.
_PUBLIC_URL = re.compile(r"(https?)://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?")
_LISTEN = re.compile(r"(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})")


def _web(reader: _Reader) -> WebConfig | None:
    """`web:`: `public_url` must be https (RFC 8058 allows only an https URI in a one-click List-Unsubscribe), except
    http on localhost for testing; `listen` is host:port, loopback by default (a reverse proxy sits in front)."""
    if reader.data.get("web") is None:
        return None
    section = reader.section("web", {"public_url", "listen"})
    url = section.text("public_url")
    found = _PUBLIC_URL.fullmatch(url)
    if not found:
        raise section.fail("public_url", f"expected an address like https://mentoring.example.org, got {url!r}")
    if found.group(1) != "https" and found.group(2).strip("[]") not in LOOPBACK:
        raise section.fail(
            "public_url",
            f"must start with https:// (RFC 8058: mail clients use a one-click link only over https), got {url!r};"
            " http:// is accepted only for localhost, for testing",
        )
    listen = section.text("listen", "127.0.0.1:8025")
    where = _LISTEN.fullmatch(listen)
    if not where or not 0 <= int(where.group(2)) <= 65535:
        raise section.fail("listen", f"expected host:port, like 127.0.0.1:8025, got {listen!r}")
    return WebConfig(public_url=url.rstrip("/"), host=where.group(1).strip("[]"), port=int(where.group(2)))


def _checkins(reader: _Reader) -> CheckinConfig:
    section = reader.section("checkins", {"day_of_month", "hour", "form", "asks_about"})
    asks_about = section.text("asks_about", "previous_month")
    if asks_about not in ASKS_ABOUT:
        raise section.fail("asks_about", f"{asks_about!r} is not a choice; valid: {', '.join(ASKS_ABOUT)}")
    return CheckinConfig(
        day_of_month=section.integer("day_of_month", 1, 1, 28),
        hour=section.integer("hour", 9, 0, 23),
        form=section.text("form", "monthly"),
        asks_about=asks_about,
    )


def _digest(reader: _Reader) -> DigestConfig:
    section = reader.section("digest", {"enabled", "weekday", "hour"})
    day = section.text("weekday", "mon").lower()[:3]
    if day not in WEEKDAYS:
        raise section.fail("weekday", f"{day!r} is not a weekday; valid: {', '.join(WEEKDAYS)}")
    return DigestConfig(
        enabled=bool(section.data.get("enabled", True)),
        weekday=WEEKDAYS.index(day),
        hour=section.integer("hour", 8, 0, 23),
    )


def _introductions(reader: _Reader) -> IntroConfig:
    section = reader.section("introductions", {"answer_days", "tell_me_more", "cc_coordinator"})
    more = section.text("tell_me_more", "coordinator")
    if more not in ("coordinator", "mentee"):
        raise section.fail("tell_me_more", f"{more!r} is not valid; valid: coordinator, mentee")
    return IntroConfig(
        answer_days=section.integer("answer_days", 5, 1, 60),
        tell_me_more=more,
        cc_coordinator=bool(section.data.get("cc_coordinator", True)),
    )


def _cohorts(reader: _Reader) -> tuple[Cohort, ...]:
    """`cohorts:`, a list of {name, start, end, checkins}; absent or empty: no cohorts (every config before them)."""
    items = reader.data.get("cohorts")
    if items is None:
        return ()
    if not isinstance(items, list):
        raise reader.fail("cohorts", "expected a list of {name: ..., start: YYYY-MM-DD, end: YYYY-MM-DD}")
    cohorts: list[Cohort] = []
    for index, item in enumerate(items):
        if not isinstance(item, Located):
            raise ConfigError(reader.path, items.line_of(index), "each cohort is {name: ..., start: ..., end: ...}")
        yamlfile.check_keys(item, COHORT_KEYS, "a cohort")
        cohort = _cohort(_Reader(reader.path, item, f"cohorts[{index}]."))
        same = next((c for c in cohorts if c.name.casefold() == cohort.name.casefold()), None)
        if same is not None:
            raise ConfigError(
                reader.path, item.line_of("name"), f"cohorts[{index}].name: {cohort.name!r} is named twice; one each"
            )
        cohorts.append(cohort)
    return tuple(cohorts)


def _cohort(section: _Reader) -> Cohort:
    name = section.text("name")
    if not COHORT_NAME.fullmatch(name):
        raise section.fail(
            "name", f"{name!r}: a short name of letters, digits, spaces, '-', '_' or '.' (like spring-2027)"
        )
    start, end = _day(section, "start"), _day(section, "end")
    if end <= start:
        raise section.fail("end", f"{end.isoformat()} is not after the start, {start.isoformat()}")
    return Cohort(name=name, start=start, end=end, every_months=_rhythm(section))


def _day(section: _Reader, key: str) -> date:
    value = section.data.get(key)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return parse_day(section.text(key))
    except ValueError as exc:
        raise section.fail(key, str(exc)) from None


def _rhythm(section: _Reader) -> int:
    """`checkins: monthly` (the default), `every N months` (2 to 12) or `none`: months between prompts."""
    text = section.text("checkins", "monthly").lower()
    if text == "monthly":
        return 1
    if text == "none":
        return 0
    found = _EVERY.fullmatch(text)
    if found and 1 <= int(found.group(1)) <= 12:
        return int(found.group(1))
    raise section.fail("checkins", f"{text!r} is not a rhythm; valid: monthly, every N months (N 2 to 12), none")


# Keys renamed since a release: still accepted, read as the new one, and named by `check`. The config is a contract.
RENAMED_LIMITS = {"auto_replies_per_day": "mails_per_address_per_day"}


def _limits(reader: _Reader, notices: list[str]) -> Limits:
    section = reader.section(
        "limits",
        {
            "max_message_bytes",
            "keep_raw_bytes",
            "mails_per_address_per_day",
            "max_attempts",
            "raw_retention_days",
            "pace_days",
            *RENAMED_LIMITS,
        },
    )
    defaults = Limits()
    values: dict[str, Any] = {
        "max_message_bytes": section.integer("max_message_bytes", defaults.max_message_bytes, 1024, 1 << 31),
        "keep_raw_bytes": section.integer("keep_raw_bytes", defaults.keep_raw_bytes, 0, 1 << 31),
        "mails_per_address_per_day": section.integer(
            _renamed(section, "mails_per_address_per_day", notices), defaults.mails_per_address_per_day, 0, 10_000
        ),
        "max_attempts": section.integer("max_attempts", defaults.max_attempts, 1, 100),
        "raw_retention_days": section.integer("raw_retention_days", defaults.raw_retention_days, 1, 36_500),
        "pace_days": section.integer("pace_days", defaults.pace_days, 0, 365),
    }
    return Limits(**values)


def _renamed(section: _Reader, key: str, notices: list[str]) -> str:
    """The key to read `key` from: its old name when only that is written (a config from before the rename)."""
    old = next(o for o, new in RENAMED_LIMITS.items() if new == key)
    if old not in section.data:
        return key
    where = f"{section.path}:{section.data.line_of(old)}"
    if key in section.data:
        notices.append(f"{where}: {section.prefix}{old} is ignored: {section.prefix}{key} is set (remove {old})")
        return key
    notices.append(f"{where}: {section.prefix}{old} is now called {section.prefix}{key} (the old name still works)")
    return old

"""`mentor-assistant demo`: a whole month of a small program, on a simulated clock, in a throw-away folder.

Prompts go out on the cycle day; replies in several mail-client styles arrive in the inbox Maildir; one pair
stays silent and gets reminders and then an escalation to the coordinator. The coordinator forwards an
introduction request, the mentor says yes, and the new pair write to each other (the assistant out of their
conversation); the coordinator pauses a mentor on leave by email. One pair runs in the autumn cohort (and hears
at its mid-point), a mentee's birthday and another's first talk reach their mentors as a note, a check-in
records that a mentor recommended her mentee for a conference panel, and Sofia reads and writes the program in
Spanish. Everything runs through the same code as a real program: Maildir in, SQLite, rules, outbox, Maildir out.
"""

from __future__ import annotations

import email
import email.policy
import tempfile
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path

from assistant import languages
from assistant.app import App
from assistant.clock import FixedClock, iso
from assistant.config import load_config
from assistant.coordinator.importer import import_pairs, import_participants
from assistant.db import open_db
from assistant.mail.replies import out_of_office, reply
from assistant.transport.maildir import deliver

ROOT = Path(__file__).resolve().parent.parent
START = datetime.fromisoformat("2026-12-01T09:00:00+00:00")

CONFIG = """\
program_name: Example Mentoring Program
assistant: {{name: Ada from the Mentoring Program, address: mentoring@example.org}}
coordinators: [{{name: Grace Hopper, email: grace@example.org}}]
timezone: Europe/London
database: ./program.db
inbox: {{type: maildir, path: ./inbox}}
outbound: {{type: maildir, path: ./sent}}
checkins: {{day_of_month: 1, hour: 9, form: monthly}}
cohorts: [{{name: autumn-2026, start: 2026-10-01, end: 2027-03-20}}]
digest: {{weekday: fri, hour: 16}}
templates: {templates}
rules: {rules}
"""

# (day of the month, who, style, what they write, answers typed under the quoted questions)
REPLIES: list[tuple[int, str, str, str, dict[int, str]]] = [
    (
        1,
        "maya.patel@example.org",
        "gmail",
        "Hi Ada!\n\n1. Yes\n2. Twice\n3. We rehearsed my promotion case and rewrote my self-review.\n4. 5\n"
        "6. Yes\n7. A panel at the Women in Product conference\n\nThanks,\nMaya",
        {},
    ),
    (2, "dana.okafor@example.org", "iphone", "Yes, twice — we worked on her promotion case. I'd say 4/5.", {}),
    (
        2,
        "priya.raman@example.org",
        "outlook",
        "Met: yes\nMeetings: 1\nTopics: delegation, and her first 1:1s as a lead\nRating: 4 out of 5",
        {},
    ),
    (
        3,
        "lena.fischer@example.org",
        "apple_inline",
        "",
        {
            1: "Yes",
            2: "once",
            3: "Planning my first team offsite",
            4: "2",
            5: "Could we find a second mentor on hiring?",
        },
    ),
    (
        3,
        "kim.larsen@example.org",
        "html_only",
        "1. yes\n2. a couple\n3. I gave my first talk at a design meetup! And we priced my first project\n4. 4",
        {},
    ),
    (4, "sofia.marquez@example.org", "out_of_office", "", {}),
    (5, "kim.larsen@example.org", "gmail", "2. Two, sorry!", {}),
    (6, "sofia.marquez@example.org", "gmail", "1. no\n4. 3 - ha estado de viaje, nos vemos la semana que viene", {}),
]
SILENT = ("helen.cho@example.org", "jo.nguyen@example.org")

# An introduction, double opt-in: (day, who writes, the template of our mail they answer (None: a new mail), text)
INTRODUCTION: list[tuple[int, str, str | None, str]] = [
    (
        7,
        "grace@example.org",
        None,
        "Could you introduce her to Sofia? Zoe is building her first design portfolio.\n\n"
        "---------- Forwarded message ---------\nFrom: Zoe Mensah <zoe.mensah@example.net>\n"
        "Date: Sun, 6 Dec 2026 at 20:14\nSubject: Looking for a mentor\nTo: Grace Hopper <grace@example.org>\n\n"
        "Hi Grace, I'm a junior designer and I'd love a mentor who can help me put together a portfolio.\n",
    ),
    (8, "grace@example.org", "confirm_intro_request", "Yes, that was me."),
    (9, "sofia.marquez@example.org", "intro_ask", "¡Sí, encantada!"),
    # The coordinator acts by email (the demo has no DMARC verdict from a server, so she confirms first).
    (11, "grace@example.org", None, "pause helen.cho@example.org until 2027-01-15"),
    (12, "grace@example.org", "confirm_coordinator_commands", "Yes"),
]
# The new pair write to each other: (day, who, text, whether her client replied to the assistant's own address).
PAIR: list[tuple[int, str, str, bool]] = [
    (10, "zoe.mensah@example.net", "Lovely to meet you, Sofia! Would Thursday at 5 work for a first call?", False),
    (10, "sofia.marquez@example.org", "Thursday at 5 is perfect. Bring two pieces you love and one you don't!", True),
]
DAYS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 22, 29)
# The example sheets with the columns a program adds as it grows: birthdays (month and day only) and the language
# Sofia reads the program in; the cohort one pair runs in.
SHEET_COLUMNS = {
    "participants.csv": (
        ("birthday", "language"),
        {"maya.patel@example.org": ("12 December", ""), "sofia.marquez@example.org": ("", "es")},
    ),
    "pairs.csv": (("cohort",), {"priya.raman@example.org": ("autumn-2026",)}),
}


def run_demo(folder: Path | None) -> int:
    folder = Path(folder or tempfile.mkdtemp(prefix="mentoring-demo-")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / "config.yaml"
    config_path.write_text(CONFIG.format(templates=ROOT / "templates", rules=ROOT / "rules"), encoding="utf-8")
    config = load_config(config_path)
    clock = FixedClock(START - timedelta(days=1))
    db = open_db(config.database)
    now = iso(clock.now())
    people, pairs = (_sheet(folder, name) for name in ("participants.csv", "pairs.csv"))
    import_participants(db, people, now, languages=languages.available(config.templates))
    import_pairs(db, pairs, now, cohorts=config.cohorts, zone=config.timezone)
    app = App(config, clock, db)
    _say(
        f"A month of {config.program_name}, simulated in {folder}\n"
        f"10 people, 4 pairs; the coordinator is {config.coordinators[0].name}. "
        f"Helen Cho and Jo Nguyen will stay silent. Priya and Lena run in the autumn-2026 cohort;\n"
        f"Maya's birthday is on 12 December; Sofia reads and writes the program in Spanish.\n"
    )
    for day in DAYS:
        _play_day(app, clock, day)
    _summary(app, folder)
    app.close()
    return 0


def _sheet(folder: Path, name: str) -> Path:
    """examples/NAME with the demo's extra columns (SHEET_COLUMNS), written into the demo's folder."""
    columns, values = SHEET_COLUMNS[name]
    lines = (ROOT / "examples" / name).read_text(encoding="utf-8").splitlines()
    rows = [lines[0] + "," + ",".join(columns)]
    for line in lines[1:]:
        rows.append(line + "," + ",".join(values.get(line.split(",", 1)[0], ("",) * len(columns))))
    path = folder / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _play_day(app: App, clock: FixedClock, day: int) -> None:
    """Morning: the assistant's cycle. Evening: the day's replies arrive and the assistant runs again."""
    morning = START + timedelta(days=day - 1, hours=1)
    clock.set(morning)
    lines = _cycle(app)
    clock.set(morning + timedelta(hours=8))
    for reply_day, who, style, text, inline in REPLIES:
        if reply_day == day:
            lines.append(_send_reply(app, who, style, text, inline))
    for intro_day, who, answering, text in INTRODUCTION:
        if intro_day == day:
            lines.append(_introduction_step(app, who, answering, text))
    for pair_day, who, text, to_us in PAIR:
        if pair_day == day:
            lines.append(_pair_step(app, who, text, to_us))
    lines += _cycle(app)
    if lines:
        _say(f"{morning.astimezone(app.config.timezone):%a %-d %B}")
        _say("\n".join(lines) + "\n")


def _cycle(app: App) -> list[str]:
    lines = []
    known = {row["id"] for row in app.db.query("SELECT id FROM outbox")}
    report = app.run_once()
    now = iso(app.clock.now())
    for row in app.db.query("SELECT from_addr, outcome FROM messages WHERE processed_at = ? ORDER BY id", [now]):
        lines.append(f"  ✓ the assistant reads mail from {row['from_addr']}: {row['outcome'].replace('_', ' ')}")
    for row in app.db.query("SELECT id, to_addr, subject FROM outbox ORDER BY id"):
        if row["id"] not in known:
            lines.append(f"  → to {row['to_addr']}: {row['subject']}")
    del report
    return lines


def _send_reply(app: App, who: str, style: str, text: str, inline: dict[int, str]) -> str:
    prompt = app.db.execute(
        "SELECT raw FROM outbox WHERE to_addr = ? AND template IN ('checkin_prompt', 'checkin_reply')"
        " ORDER BY id DESC LIMIT 1",
        [who],
    ).fetchone()
    name = app.db.execute("SELECT name FROM participants WHERE email = ?", [who]).fetchone()[0]
    when = app.clock.now() - timedelta(minutes=30)
    if style == "out_of_office":
        raw = out_of_office(prompt[0], (name, who), when)
    else:
        raw = reply(prompt[0], (name, who), text, style, when, inline)
    deliver(app.config.inbox.path, raw)
    label = "an out-of-office auto-reply" if style == "out_of_office" else f"a reply ({style.replace('_', ' ')} style)"
    return f"  ← {name} sends {label}"


def _introduction_step(app: App, who: str, answering: str | None, text: str) -> str:
    """The coordinator asks for an introduction (and confirms it: the demo has no DMARC), the mentor says yes."""
    coordinator = next((c for c in app.config.coordinators if c.email == who), None)
    name = (
        coordinator.name
        if coordinator
        else app.db.execute("SELECT name FROM participants WHERE email = ?", [who]).fetchone()[0]
    )
    when = app.clock.now() - timedelta(minutes=30)
    if answering is None:
        message = EmailMessage()
        message["From"] = formataddr((name, who))
        message["To"] = app.config.assistant.email
        message["Subject"] = "Introduction"
        message["Date"] = format_datetime(when)
        message["Message-ID"] = make_msgid(domain=who.partition("@")[2])
        message.set_content(text)
        raw = message.as_bytes()
    else:
        ours = app.db.execute(
            "SELECT raw FROM outbox WHERE to_addr LIKE ? AND template = ? ORDER BY id DESC LIMIT 1",
            [f"%{who}%", answering],
        ).fetchone()
        raw = reply(ours[0], (name, who), text, "gmail", when)
    deliver(app.config.inbox.path, raw)
    return f"  ← {name} writes: {text.splitlines()[0][:70]}"


def _pair_step(app: App, who: str, text: str, to_us: bool) -> str:
    """One of the new pair replies to the introduction. Its Reply-To is both of them, so a reply reaches the other
    directly; a client that answers the sender instead reaches the assistant, which passes it on."""
    introduction = app.db.execute(
        "SELECT raw FROM outbox WHERE template = 'introduction' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    name = app.db.execute("SELECT name FROM participants WHERE email = ?", [who]).fetchone()[0]
    raw = reply(introduction[0], (name, who), text, "gmail", app.clock.now() - timedelta(minutes=30))
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not to_us:
        return f"  ← {name} replies to the introduction; it goes to {message['To']}, not to the assistant"
    message.replace_header("To", app.config.assistant.email)
    deliver(app.config.inbox.path, message.as_bytes())
    return f"  ← {name} replies to the assistant's own address instead: {text[:50]}…"


def _summary(app: App, folder: Path) -> None:
    db = app.db
    _say("What the database holds now (table answers):")
    for row in db.query(
        "SELECT p.name, c.status, group_concat(a.question || '=' || a.value, ', ') AS answers FROM checkins c"
        " JOIN participants p ON p.id = c.participant_id LEFT JOIN answers a ON a.checkin_id = c.id"
        " GROUP BY c.id ORDER BY c.id"
    ):
        _say(f"  {row['name']:<14} {row['status']:<9} {row['answers'] or ''}")
    for row in db.query(
        "SELECT m.name AS mentor, e.name AS mentee, s.what FROM sponsorships s"
        " JOIN participants m ON m.id = s.sponsor_id JOIN participants e ON e.id = s.protege_id ORDER BY s.id"
    ):
        who = f"{row['mentor']} recommended {row['mentee']}"
        _say(f"\nA sponsorship recorded (table sponsorships): {who} for {row['what']}")
    sent = db.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
    _say(
        f"\n{sent} emails were sent. Read them with any mail client, or as files:\n"
        f"  sent mail:  {folder / 'sent' / 'new'}\n  inbox:      {folder / 'inbox' / 'cur'}\n"
        f"  database:   {folder / 'program.db'}\n"
        f"Try:  mentor-assistant --config {folder / 'config.yaml'} status\n"
        f"      mentor-assistant --config {folder / 'config.yaml'} export --format csv\n"
        f"      mentor-assistant --config {folder / 'config.yaml'} report --cohort autumn-2026"
    )


def _say(text: str) -> None:
    print(text, flush=True)


def subject_of(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"])

"""One-click unsubscribe (RFC 8058, issue 16): the https link in `List-Unsubscribe` with `List-Unsubscribe-Post`,
and the page that serves it, through the real command line (Maildir in and out, `--now`) and a real HTTP client
(urllib) against the page actually served on a loopback port.

- every mail to one participant carries her link and the Post header; pair mail and coordinator mail do not;
- without `web:` no mail has the Post header (RFC 8058 needs an https link);
- POST stops her exactly like "stop" by mail (pairing closed, coordinators told, no more mail), once;
- GET only shows the button; unknown, malformed and pair tokens get the same 404 that names nobody.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from assistant.clock import Clock
from assistant.config import load_config
from assistant.web import Served, serve_in_thread
from tests.conftest import CONFIG, ROOT
from tests.program_cli import Cli as ProgramCli
from tests.test_handover import GRACE, _introduced

MAYA = ("Maya Patel", "maya.patel@example.org")
DANA = ("Dana Okafor", "dana.okafor@example.org")
LINK = re.compile(
    r"<(http://localhost:\d+/unsubscribe/([a-z2-7]+))>, <mailto:mentoring\+([a-z2-7]+)@example\.org\?subject=stop>"
)
ONE_CLICK = b"List-Unsubscribe=One-Click"
WHEN = datetime.fromisoformat("2026-12-03T10:00+00:00")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cli(ProgramCli):
    """The example program with `web:`: links to http://localhost:PORT (http is allowed on localhost only)."""

    def __init__(self, folder: Path, port: int):
        self.port = port
        text = CONFIG.format(root=ROOT).replace(
            "address: mentoring@example.org}", "address: mentoring@example.org, authserv_id: mx.example.org}"
        )
        super().__init__(
            folder, text + f'web: {{public_url: "http://localhost:{port}/", listen: "127.0.0.1:{port}"}}\n'
        )

    def outcomes(self) -> list[tuple[str, str]]:
        return self.sql("SELECT from_addr, outcome FROM messages ORDER BY id")

    def status(self, address: str) -> str:
        return self.sql("SELECT status FROM participants WHERE email = ?", (address,))[0][0]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path, _free_port())


@pytest.fixture
def served(cli: Cli) -> Iterator[Served]:
    server = serve_in_thread(load_config(cli.config), Clock(WHEN))
    yield server
    server.stop()


def _http(url: str, body: bytes | None = None, method: str = "") -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, data=body, method=method or ("POST" if body is not None else "GET"))
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read().decode()


def _prompt(cli: Cli, address: str) -> EmailMessage:
    cli.run("2026-12-01T09:00")
    [prompt] = cli.sent("check-in", to=address)
    return prompt


def _link(message: EmailMessage) -> tuple[str, str, str]:
    found = LINK.fullmatch(" ".join(str(message["List-Unsubscribe"]).split()))
    assert found, message["List-Unsubscribe"]
    return found.group(1), found.group(2), found.group(3)


def _pairing(cli: Cli, mentee: str) -> str:
    return cli.sql(
        "SELECT status FROM pairings WHERE mentee_id = (SELECT id FROM participants WHERE email = ?)", (mentee,)
    )[0][0]


def test_a_participants_mail_carries_her_link_and_the_post_header(cli: Cli) -> None:
    prompt = _prompt(cli, MAYA[1])
    url, token, mailto = _link(prompt)
    assert prompt["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url == f"http://localhost:{cli.port}/unsubscribe/{token}"  # public_url's trailing slash dropped
    holder = cli.sql("SELECT p.email, t.purpose FROM reply_tokens t JOIN participants p ON p.id = t.participant_id"
                     " WHERE t.token = ?", (token,))  # fmt: skip
    assert holder == [(MAYA[1], "participant")]  # her own token, whatever the mailto carries
    assert mailto  # the mailto stays, for clients that only mail


def test_post_stops_her_exactly_like_stop_once(cli: Cli, served: Served) -> None:
    url, _, _ = _link(_prompt(cli, MAYA[1]))
    status, headers, page = _http(url, ONE_CLICK)
    assert status == 200 and "You have left Test Mentoring Program" in page
    assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert cli.status(MAYA[1]) == "left" and _pairing(cli, MAYA[1]) == "closed"
    assert cli.status(DANA[1]) == "active"

    # The coordinators hear it as they do a "stop" by mail, once; a second POST changes nothing.
    events = cli.sql("SELECT count(*) FROM events")
    assert _http(url, ONE_CLICK)[0] == 200
    assert cli.sql("SELECT count(*) FROM events") == events
    cli.run("2026-12-03T11:00")
    [told] = cli.sent(to=GRACE[1], subject="has left the program")
    text = told.get_body(("plain",)).get_content()
    assert "Maya Patel <maya.patel@example.org> (mentee) wrote stop" in " ".join(text.split())
    assert "List-Unsubscribe-Post" not in told and "http" not in str(told["List-Unsubscribe"])  # not theirs

    # Recorded, and explained; and no more mail to her.
    assert cli("explain", MAYA[1]) == 0
    before = len(cli.sent(to=MAYA[1]))
    cli.run("2026-12-09T10:00")
    cli.run("2027-01-01T10:00")
    assert len(cli.sent(to=MAYA[1])) == before
    assert cli.sent("check-in", to=DANA[1])  # the program goes on for the others


def test_explain_says_she_left_by_the_link(cli: Cli, served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    url, _, _ = _link(_prompt(cli, MAYA[1]))
    _http(url, ONE_CLICK)
    capsys.readouterr()
    assert cli("explain", MAYA[1]) == 0
    out = capsys.readouterr().out
    assert "command_stop" in out and "one-click link" in out and "pairing_closed" in out


def test_get_shows_one_button_and_does_not_act(cli: Cli, served: Served) -> None:
    url, _, _ = _link(_prompt(cli, MAYA[1]))
    for method in ("GET", "HEAD"):
        status, headers, page = _http(url, method=method)
        assert status == 200 and headers["Cache-Control"] == "no-store"
    _, _, page = _http(url)
    assert '<form method="post">' in page and 'name="List-Unsubscribe" value="One-Click"' in page
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")  # nothing from elsewhere
    assert cli.status(MAYA[1]) == "active" and _pairing(cli, MAYA[1]) == "active"
    # The page's own button posts the form: it acts.
    assert _http(url, b"List-Unsubscribe=One-Click")[0] == 200 and cli.status(MAYA[1]) == "left"


def test_bad_tokens_and_bad_requests_change_nothing_and_reveal_nothing(cli: Cli, served: Served) -> None:
    url, token, _ = _link(_prompt(cli, MAYA[1]))
    base = served.url
    introduction = _introduced(cli)  # to both of a pair: its pair token must not act for the mentee
    pair_token = re.search(r"mentoring\+([a-z2-7]+)@", str(introduction["List-Unsubscribe"])).group(1)
    events = cli.sql("SELECT count(*) FROM events")
    for path in [
        f"/unsubscribe/{'a' * 26}",
        f"/unsubscribe/{pair_token}",
        "/unsubscribe/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/unsubscribe/../../program.db",
        "/unsubscribe/",
        "/",
        f"/unsubscribe/{token}/x",
    ]:
        for body in (None, ONE_CLICK):
            status, headers, page = _http(base + path, body)
            assert status == 404, path
            assert "<script>" not in page and "Maya" not in page and "Test Mentoring" not in page
            assert headers["X-Frame-Options"] == "DENY"
    assert _http(url, b"something=else")[0] == 400  # a POST must say List-Unsubscribe=One-Click
    assert _http(url, b"List-Unsubscribe=One-Click&x=" + b"x" * 4096)[0] == 413  # bounded
    assert _http(url, ONE_CLICK, method="PUT")[0] == 405
    assert cli.sql("SELECT count(*) FROM events") == events and cli.status(MAYA[1]) == "active"


def test_pair_mail_and_coordinator_mail_carry_no_link(cli: Cli) -> None:
    introduction = _introduced(cli)  # to both, the coordinator in Cc: anyone could click, the link can't tell who
    assert "List-Unsubscribe-Post" not in introduction
    assert str(introduction["List-Unsubscribe"]).strip().startswith("<mailto:")
    [ask] = cli.sent("Would you mentor")  # to one mentor alone: hers
    assert ask["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for message in cli.sent(to=GRACE[1]):
        if not {a for _, a in email.utils.getaddresses([str(message["To"])])} - {GRACE[1]}:
            assert "List-Unsubscribe-Post" not in message


def test_without_web_mail_has_no_post_header(tmp_path: Path) -> None:
    plain = ProgramCli(tmp_path)
    plain.run("2026-12-01T09:00")
    [prompt] = plain.sent("check-in", to=MAYA[1])
    assert "List-Unsubscribe-Post" not in prompt
    assert str(prompt["List-Unsubscribe"]).strip().startswith("<mailto:mentoring+")


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ('{public_url: "http://mentoring.example.org"}', "web.public_url: must start with https://"),
        ('{public_url: "https://example.org/a b"}', "web.public_url: expected an address like"),
        ('{public_url: "https://example.org", listen: "everywhere"}', "web.listen: expected host:port"),
        ("{listen: 127.0.0.1:8025}", "missing required key `web.public_url`"),
    ],
)
def test_a_wrong_web_block_is_refused_with_its_line(tmp_path: Path, block: str, message: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(root=ROOT) + f"web: {block}\n")
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "--config", str(config), "check"], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert f"{config}:12" in result.stderr and message in result.stderr, result.stderr


def _serving(command: list[str], port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
    process.terminate()
    raise AssertionError("the page was never served")


@pytest.mark.parametrize("how", ["run", "web"])
def test_run_and_web_serve_the_page(cli: Cli, how: str) -> None:
    """`run` (the long-running loop) serves it in a thread; `web` serves it alone. Each is stopped by SIGTERM."""
    url, _, _ = _link(_prompt(cli, MAYA[1]))
    command = [sys.executable, "-m", "assistant", "--config", str(cli.config), "--now", "2026-12-03T10:00", how]
    process = _serving(command, cli.port)
    try:
        assert _http(url)[0] == 200 and cli.status(MAYA[1]) == "active"
        assert _http(url, ONE_CLICK)[0] == 200
        assert cli.status(MAYA[1]) == "left" and _pairing(cli, MAYA[1]) == "closed"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_headers_are_ours_and_fold_cleanly() -> None:
    """The link comes from the config and a token, never from mail; a link that could end the <> is refused."""
    from assistant.mail.compose import Envelope, compose
    from assistant.render import Rendered

    def composed(url: str) -> EmailMessage:
        envelope = Envelope(
            "Ada", "mentoring@example.org", [("Maya", MAYA[1])], unsubscribe=MAYA[1], unsubscribe_url=url
        )
        raw = compose(Rendered("S", "t\n", "<p>t</p>"), envelope, "<a.1@example.org>", WHEN, "P").as_bytes()
        return email.message_from_bytes(raw, policy=email.policy.default)

    long = "https://mentoring.example.org/a/very/long/path/for/a/proxy/unsubscribe/" + "a" * 26
    message = composed(long)
    assert " ".join(str(message["List-Unsubscribe"]).split()) == f"<{long}>, <mailto:{MAYA[1]}?subject=stop>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for bad in ("https://x.org/u>, <https://evil.example", "https://x.org/u\r\nBcc: a@b.c", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            composed(bad)

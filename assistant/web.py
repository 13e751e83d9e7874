"""The one-click unsubscribe page (RFC 8058), served by the assistant: Flask for the routes, waitress to serve them.

`POST /unsubscribe/TOKEN` with the body `List-Unsubscribe=One-Click` (what Gmail, Yahoo and Apple Mail send when
she presses their Unsubscribe button) acts as her "stop" by mail (program/oneclick.py); `GET` shows a page with one
button that makes that same POST, and never acts itself: link scanners and previews fetch every link in a mail.
An unknown or malformed token, and every other path, gets the same 404 page, which says nothing about anyone.

Hostile input is normal input: requests are bounded (body, headers, time), nothing a request carries is written
into a page (the pages take only the program's name, escaped by Jinja2), every response forbids framing, scripts,
outside resources and the Referer, and is never cached. Each server thread has its own SQLite connection (WAL)
beside the running loop's. It listens on loopback by default: people reach it through a reverse proxy at
`web.public_url`, which terminates TLS.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, render_template_string, request
from sqlite_utils import Database
from waitress import create_server
from waitress.server import BaseWSGIServer, MultiSocketServer
from waitress.wasyncore import close_all
from werkzeug.exceptions import HTTPException

from assistant.clock import Clock
from assistant.config import Config, WebConfig
from assistant.db import open_db
from assistant.outbox import Outbox
from assistant.program import oneclick
from assistant.render import Renderer

log = logging.getLogger(__name__)

MAX_BODY = 1024  # `List-Unsubscribe=One-Click` is 26 bytes; a form adds nothing more
SECURITY_HEADERS = {
    # No scripts, no outside resources, no framing; the one form posts back here.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self';"
    " frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # the token is in the URL: it must not leave with a click elsewhere
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 34em; margin: 3em auto; padding: 0 1em; line-height: 1.5;
       color: #1a1a1a; background: #fff; }
button { font: inherit; padding: .6em 1.2em; border: 2px solid #1a1a1a; border-radius: .3em; background: #fff;
         cursor: pointer; }
button:focus { outline: 3px solid #1a5fb4; outline-offset: 2px; }
</style>
</head>
<body>
<main>
<h1>{{ title }}</h1>
{% for line in lines %}<p>{{ line }}</p>
{% endfor %}{% if button %}<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">{{ button }}</button>
</form>
{% endif %}</main>
</body>
</html>
"""


def _page(status: int, title: str, lines: list[str], button: str = "") -> Response:
    html = render_template_string(_PAGE, title=title, lines=lines, button=button)  # autoescaped: a string template
    return Response(html, status=status, mimetype="text/html")


def _not_found() -> Response:
    return _page(404, "Page not found", ["There is nothing at this address."])


def create_app(config: Config, clock: Clock, database: Callable[[], Database]) -> Flask:
    """The routes. `database()`: this thread's own connection."""
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    program = config.program_name
    renderer = Renderer(config.templates)

    @app.get("/unsubscribe/<token>")
    def confirm(token: str) -> Response:
        state = oneclick.status(database(), token)
        if state == "unknown":
            return _not_found()
        if state == "already":
            return _page(200, "You have left the program", _left(program))
        return _page(
            200,
            f"Leave {program}?",
            [
                f"One click and you leave {program}: no more email from us, and your mentoring pairings close. "
                "The coordinators are told, so they can look after the people you were paired with.",
                "Only want a break? Reply “pause” to any of our emails instead.",
            ],
            button="Leave the program",
        )

    @app.post("/unsubscribe/<token>")
    def act(token: str) -> Response:
        if request.form.get("List-Unsubscribe") != "One-Click":  # RFC 8058: the POST says what it is
            if oneclick.status(database(), token) == "unknown":
                return _not_found()
            return _page(400, "Nothing was changed", ["Please use the button on the page this link opens."])
        db = database()
        outcome = oneclick.unsubscribe(db, config, Outbox(db, config, renderer, clock), token, clock.now())
        if outcome == "unknown":
            return _not_found()
        if outcome == "stopped":
            log.info("one-click unsubscribe: a participant left the program")
        return _page(200, "You have left the program", _left(program))

    @app.errorhandler(HTTPException)
    def refused(error: HTTPException) -> Response:
        if error.code == 404:
            return _not_found()
        return _page(error.code or 400, "Nothing was changed", ["This request could not be used."])

    @app.errorhandler(Exception)
    def failed(error: Exception) -> Response:  # logged here, never shown: the page says only that it failed
        log.exception("the unsubscribe page failed")
        return _page(500, "Something went wrong", ["Nothing was changed. Please try again later."])

    @app.after_request
    def secure(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    return app


def _left(program: str) -> list[str]:
    return [
        f"You have left {program}. No more email will come from us.",
        "If this was a mistake, write to your program's coordinator.",
    ]


@dataclass
class Served:
    """A running server: where it listens, and how to stop it."""

    server: BaseWSGIServer | MultiSocketServer
    thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(getattr(self.server, "effective_port", 0))

    @property
    def url(self) -> str:
        host = str(getattr(self.server, "effective_host", ""))
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    def run(self) -> None:
        self.server.run()

    def stop(self) -> None:
        self.server.task_dispatcher.shutdown()
        close_all(self.server._map if isinstance(self.server, BaseWSGIServer) else self.server.map)
        if self.thread is not None:
            self.thread.join(timeout=10)


def make_server(config: Config, clock: Clock, web: WebConfig | None = None) -> Served:
    """A waitress server for the routes, bound to `web.host:web.port` (default: the config's `web:`), each of its
    threads with its own database connection."""
    web = web or config.web
    if web is None:
        raise ValueError("no `web:` in the config")
    local = threading.local()

    def database() -> Database:
        if getattr(local, "db", None) is None:
            local.db = open_db(config.database)
        return local.db

    server = create_server(
        create_app(config, clock, database),
        host=web.host,
        port=web.port,
        threads=2,
        max_request_body_size=MAX_BODY,
        max_request_header_size=8192,
        channel_timeout=10,  # a client that stalls mid-request is dropped
        connection_limit=64,
        ident="mentor-assistant",
        clear_untrusted_proxy_headers=True,
    )
    return Served(server)


def serve_in_thread(config: Config, clock: Clock, web: WebConfig | None = None) -> Served:
    """The server in a daemon thread beside the running loop (`run`); `stop()` ends it."""
    served = make_server(config, clock, web)
    served.thread = threading.Thread(target=_run_logged, args=(served,), name="web", daemon=True)
    served.thread.start()
    return served


def _run_logged(served: Served) -> None:
    try:
        served.run()
    except Exception:  # the loop goes on without the page; the log says why
        log.exception("the unsubscribe page stopped")

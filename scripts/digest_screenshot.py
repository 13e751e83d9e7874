"""Render the demo program's weekly digest and photograph its HTML in headless Chromium.

    python scripts/digest_screenshot.py [--out /tmp/digest.png] [--now 2026-12-14T08:00] [--width 700]

It plays the demo month into a temporary folder, renders the digest exactly as the outbox would (the same
figures, templates and chart), inlines the chart as a data: URI for the browser only (the email itself carries
it as a CID image), and saves the HTML beside the PNG. Needs Chromium (`apt-get install -y chromium`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.app import App  # noqa: E402
from assistant.clock import FixedClock, parse_moment  # noqa: E402
from assistant.config import load_config  # noqa: E402
from assistant.coordinator.digest import preview  # noqa: E402
from assistant.demo import run_demo  # noqa: E402

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def render_demo_digest(folder: Path, now_text: str) -> tuple[str, str]:
    """(subject, HTML with the chart as a data: URI) of the demo program's digest at `now_text`."""
    with contextlib.redirect_stdout(io.StringIO()):
        run_demo(folder)
    config = load_config(folder / "config.yaml")
    now = parse_moment(now_text, config.timezone)
    app = App(config, FixedClock(now))  # the rules it loads set the digest's thresholds
    try:
        rendered, html = preview(app.db, config, now, rules=app.rules)
    finally:
        app.close()
    return rendered.subject, html


def screenshot(html_path: Path, out: Path, width: int, height: int) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not browser:
        raise SystemExit("Chromium is not installed: apt-get install -y chromium")
    with tempfile.TemporaryDirectory(prefix="digest-chromium-") as profile:
        command = [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={out}",
            f"--window-size={width},{height}",
            html_path.as_uri(),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("/tmp/digest.png"), help="the PNG (default %(default)s)")
    parser.add_argument("--now", default="2026-12-14T08:00", help="the digest's moment, program time")
    parser.add_argument("--width", type=int, default=700)
    parser.add_argument("--height", type=int, default=2600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="digest-demo-") as folder:
        subject, html = render_demo_digest(Path(folder), args.now)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    html_path = args.out.with_suffix(".html")
    html_path.write_text(html, encoding="utf-8")
    screenshot(html_path, args.out, args.width, args.height)
    print(f"Subject: {subject}\nHTML:    {html_path}\nPNG:     {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

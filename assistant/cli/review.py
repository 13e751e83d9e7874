"""`mentor-assistant review …`: the mail kept for a person, listed, shown, released as a participant's, dismissed."""

from __future__ import annotations

import argparse
import sys

from assistant.app import App
from assistant.cli import arguments
from assistant.coordinator import review
from assistant.db import compact

HELP = """\
Mail the assistant kept for a person rather than guess: a reply to someone else's mail (a forward, or a
participant writing from another address), a participant's mail about nothing it can act on, mail from someone
not in the program, a reply marked as automatic that reads like a person, a check-in reply it still could not
read, and mail it failed to handle (quarantined). Nothing in it was acted on. Each message is named by its id.

  review list                      what waits for a person, oldest first (--all: also what was decided)
  review show ID                   why it was kept, its headers and its text
  review release ID --as EMAIL     process it as that participant's own mail (her answers are recorded, and
                                   she gets what any reply of hers would get, at her stored address)
  review dismiss ID [--reason T]   take it out of the queue without acting on it (it stays in the ledger)

Example: mentor-assistant --config config.yaml review release 12 --as maya.patel@example.org
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "review", help="mail kept for a person: list, show, release as a participant's, dismiss",
        description=HELP, formatter_class=argparse.RawTextHelpFormatter,
    )  # fmt: skip
    actions = parser.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    listing = arguments.command(
        actions, "list", "list the mail that waits for a person",
        "List the mail that waits for a person, oldest first: its id, when it came (program time), who sent\n"
        "it, the subject, and why it was kept. The same list heads the weekly digest and `report`.\n"
        "--all also lists the messages already released or dismissed, with what was decided and when.",
    )  # fmt: skip
    listing.add_argument("--all", action="store_true", help="also the messages already released or dismissed")
    show = arguments.command(
        actions, "show", "show one message: why it was kept, its headers and its text",
        "Show one message by its id (from `review list` or the digest): why it was kept, its headers (From,\n"
        "To, Date, Subject, Message-ID …) and its text, decoded (HTML as text) and cut at 4,000 characters.\n"
        "Example: mentor-assistant --config config.yaml review show 12",
    )  # fmt: skip
    show.add_argument("id", type=arguments.rows, metavar="ID", help="the message's id")
    release = arguments.command(
        actions, "release", "process a kept message as a participant's own mail",
        "Process a kept message as if the participant had sent it from her stored address: a check-in reply's\n"
        "answers are recorded, a command is handled (and confirmed at her stored address when it would be), and\n"
        "whatever the assistant sends goes to her stored address, never to the address the mail came from. A\n"
        "mail that answers nothing of ours counts as her reply to her open check-in when she has exactly one.\n"
        "When it would be kept again (the reply token is someone else's, say), nothing changes and it says why.\n"
        "Example: mentor-assistant --config config.yaml review release 12 --as maya.patel@example.org",
    )  # fmt: skip
    release.add_argument("id", type=arguments.rows, metavar="ID", help="the message's id")
    release.add_argument("--as", dest="as_address", required=True, metavar="EMAIL", help="a participant's address")
    dismiss = arguments.command(
        actions, "dismiss", "take a kept message out of the queue without acting on it",
        "Take a message out of the review queue without acting on it: spam, a duplicate, something handled by\n"
        "hand. It stays in the ledger with the decision, when, and the reason given (`review list --all`).\n"
        "Example: mentor-assistant --config config.yaml review dismiss 12 --reason 'answered by phone'",
    )  # fmt: skip
    dismiss.add_argument("id", type=arguments.rows, metavar="ID", help="the message's id")
    dismiss.add_argument("--reason", default="", help="why, in a few words (kept with the message)")


def run(app: App, args: argparse.Namespace) -> int:
    action = args.review_command
    if action == "list":
        return _list(app, args.all)
    if action == "show":
        return _show(app, args.id)
    if action == "release":
        return _release(app, args.id, args.as_address)
    return _dismiss(app, args.id, args.reason)


def _list(app: App, everything: bool) -> int:
    zone = app.config.timezone
    items, count = review.waiting(app.db, zone)
    if not items:
        print("Nothing waits for a person.")
    else:
        print(f"{count} message(s) wait for a person (`{review.COMMAND} show ID` to read one):")
        for item in items:
            print(_line(item))
    if everything:
        decided = review.reviewed(app.db, zone)
        print(f"\n{len(decided)} already decided:" if decided else "\nNone decided yet.")
        for item in decided:
            how = item["review"] + (f" as {item['released_as']}" if item.get("released_as") else "")
            note = f" ({item['review_note']})" if item.get("review_note") else ""
            print(f"{_line(item)}\n      {how} on {item['reviewed_at'][:16].replace('T', ' ')} UTC{note}")
    return 0


def _line(item: dict) -> str:
    detail = f" ({item['detail']})" if item["detail"] else ""
    subject = item["subject"] or "(no subject)"
    sender = item["from_addr"] or "an unknown sender"
    return f'{item["id"]:>5}  {item["on"]:>6}  {sender}, "{subject[:60]}": {item["why"]}{detail}'


def _show(app: App, ledger_id: int) -> int:
    message = review.find(app.db, ledger_id)
    if message is None:
        print(f"error: no message {ledger_id} (see: {review.COMMAND} list)", file=sys.stderr)
        return 1
    print("\n".join(review.show(message, app.config.timezone)))
    if review.in_queue(app.db, ledger_id):
        print(
            f"\nTo act on it: {review.COMMAND} release {ledger_id} --as EMAIL   or   {review.COMMAND} dismiss"
            f" {ledger_id}"
        )
    return 0


def _release(app: App, ledger_id: int, address: str) -> int:
    from assistant.inbound.release import ReleaseRefused, release

    try:
        done = release(app.db, app.config, app.forms, app.outbox, app.clock, ledger_id, address)
    except ReleaseRefused as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 1
    if done.outcome == "erased":  # a confirmed "delete me": the file must forget her too, as after a poll
        compact(app.db)
    print(f"message {ledger_id} released as {address.strip().lower()}: {done.outcome}")
    for reason in done.reasons[1:]:
        print(f"  {reason}")
    print("(whatever it queued goes out with the next run)")
    return 0


def _dismiss(app: App, ledger_id: int, reason: str) -> int:
    if not review.in_queue(app.db, ledger_id):
        print(f"error: message {ledger_id} is not in the review queue (see: {review.COMMAND} list)", file=sys.stderr)
        return 1
    review.dismiss(app.db, ledger_id, app.clock.now(), reason.strip())
    print(f"message {ledger_id} dismissed; it stays in the ledger (`{review.COMMAND} list --all`)")
    return 0

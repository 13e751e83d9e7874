"""What each template is given, as a sample: so `check` can render every template before anything is sent.

Two sources, each as faithful as the code that really renders the mail:
- mail the program writes itself (a confirmation, an introduction, the digest): `template_samples.json`, a recorded
  context of each; the test suite checks, at every render, that nothing is given beyond it (tests/conftest.py);
- mail a rule sends: the rule's own context (followup.context) built from a sample of its entity, every field
  the rules vocabulary offers for it (engine/fields.py). A coordinator's new template sent by a rule is covered
  the same way. A rule batched into the coordinators' daily list is also given what the person wrote (`wrote`).
Both are completed with what every mail is given (program_name, coordinator, ...).
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.config import Config
from assistant.engine.evaluate import Fact, Intent
from assistant.engine.fields import ENTITIES, Field
from assistant.engine.schema import Rule
from assistant.forms.form import Form
from assistant.outbox.enqueue import common_context
from assistant.program.escalations import WROTE_SAMPLE
from assistant.program.followup import context as rule_context

SAMPLES = Path(__file__).with_name("template_samples.json")
NOW = datetime.fromisoformat("2026-12-08T10:00:00+00:00")
RECIPIENT = ("Maya Patel", "maya.patel@example.org")


@functools.cache
def program_samples() -> dict[str, dict[str, Any]]:
    """template → the context the program gives it (without the common part)."""
    loaded: dict[str, dict[str, Any]] = json.loads(SAMPLES.read_text(encoding="utf-8"))
    return loaded


def samples_for(template: str, rules: list[Rule], form: Form, config: Config) -> list[tuple[str, dict[str, Any]]]:
    """(who gives it, context) for each way `template` is sent: by the program, and by each rule naming it."""
    found = []
    if template in program_samples():
        found.append(("the assistant", {**common_context(config), **program_samples()[template]}))
    for rule in rules:
        if rule.send is not None and rule.send.template == template:
            found.append((f"the rule {rule.name} ({rule.where})", rule_sample(rule, form, config)))
    return found


def rule_sample(rule: Rule, form: Form, config: Config) -> dict[str, Any]:
    """The context a rule's mail gets, for a sample of its entity with every field set."""
    entity = ENTITIES[rule.match]
    fields = {name: _value(name, spec) for name, spec in entity.fields.items()}
    if rule.match == "checkin":
        fields.update({f"answers.{q.key}": "3" if q.type in ("scale", "count") else "yes" for q in form.questions})
    intent = Intent(rule=rule, fact=Fact(entity=f"{rule.match}:1", fields=fields), episode="", seq=0, reason="sample")
    sample = {**common_context(config), **rule_context(form, intent, [RECIPIENT], NOW)}
    if rule.send is not None and rule.send.batch:  # an entry of the daily list: also what the person wrote
        sample["wrote"] = dict(WROTE_SAMPLE)
    return sample


def _value(name: str, spec: Field) -> Any:
    """A plausible value for a field, by its name and kind (templates may compare, format or loop over none)."""
    last = name.rpartition(".")[2]
    by_name: dict[str, Any] = {
        "name": "Dana Okafor",
        "email": "dana.okafor@example.org",
        "status": "active",
        "role": "mentor",
        "timezone": "Europe/London",
        "side": "mentee",
        "period": "2026-12",
    }
    if last in by_name:
        return by_name[last]
    if spec.kind == "number":
        return 3
    if spec.kind == "time" or last.endswith("_at"):
        return "2026-12-01T09:00:00+00:00"
    return "sample"

"""The deployment files are part of the contract: what they copy exists, what they run is a documented command,
and the container's config is a valid one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.app import check
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_dockerfile_copies_what_exists_and_runs_documented_commands() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for line in re.findall(r"(?m)^COPY (.+)$", dockerfile):
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"
    assert "status --json --failing-for 30" in dockerfile and "status --json" in README
    assert 'ENTRYPOINT ["mentor-assistant", "--config", "/data/config.yaml"]' in dockerfile
    assert re.search(r"(?m)^USER mentoring$", dockerfile), "the container does not run as root"


def test_the_compose_file_builds_this_dockerfile_with_a_volume_and_an_env_file() -> None:
    compose = (ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8")
    assert "dockerfile: Dockerfile" in compose and "context: .." in compose
    assert "mentoring-data:/data" in compose and "env_file: secrets.env" in compose


def test_the_systemd_unit_in_the_readme_is_the_file() -> None:
    unit = (ROOT / "deploy" / "mentor-assistant.service").read_text(encoding="utf-8")
    assert unit.strip() in README


def test_the_container_config_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTOR_IMAP_PASSWORD", "x")
    monkeypatch.setenv("MENTOR_SMTP_PASSWORD", "x")
    text = (ROOT / "deploy" / "config.container.yaml").read_text(encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(text.replace("/srv/mentoring", str(ROOT)), encoding="utf-8")
    assert check(config) == []


def test_litestream_replicates_the_database_the_container_config_names() -> None:
    litestream = (ROOT / "deploy" / "litestream.yml").read_text(encoding="utf-8")
    config = (ROOT / "deploy" / "config.container.yaml").read_text(encoding="utf-8")
    assert "database: ./var/program.db" in config and "path: /data/var/program.db" in litestream

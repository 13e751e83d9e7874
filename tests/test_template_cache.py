"""Compiled templates kept on disk (render._Compiled): a new process loads them instead of compiling again, an
edited template is compiled again, and a cache folder that is not the owner's alone is not used."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import pytest

from assistant import render
from assistant.render import Renderer
from tests.conftest import ROOT


def _fresh_process_caches(monkeypatch: pytest.MonkeyPatch, cache: Path) -> dict[bool, render._Compiled]:
    """The caches a new process starts with (nothing in memory), over this cache folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    caches = {False: render._Compiled("text"), True: render._Compiled("html")}
    monkeypatch.setattr(render, "_COMPILED", caches)
    return caches


def _compiles(monkeypatch: pytest.MonkeyPatch, templates: Path) -> int:
    """How many templates Jinja compiled to render the digest (its three parts and what they include) in a new
    Renderer."""
    count = 0
    original = jinja2.Environment.compile

    def counted(self: jinja2.Environment, *args: object, **kwargs: object) -> object:
        nonlocal count
        count += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    Renderer(templates).render("digest", _digest_sample())
    monkeypatch.setattr(jinja2.Environment, "compile", original)
    return count


def _digest_sample() -> dict[str, object]:
    """The digest's sample context, with the common part every mail gets."""
    from assistant.config import load_config
    from assistant.program.samples import common_context, program_samples

    return {**common_context(load_config(ROOT / "config.example.yaml")), **program_samples()["digest"]}


def test_a_new_process_loads_what_another_compiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    _fresh_process_caches(monkeypatch, tmp_path / "cache")
    assert _compiles(monkeypatch, templates) > 0
    folder = tmp_path / "cache" / render.CACHE
    assert any(folder.glob("text-*.cache")) and any(folder.glob("html-*.cache"))
    assert (folder.stat().st_mode & 0o777) == 0o700
    _fresh_process_caches(monkeypatch, tmp_path / "cache")
    assert _compiles(monkeypatch, templates) == 0  # every template read from disk


def test_an_edited_template_is_compiled_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    _fresh_process_caches(monkeypatch, tmp_path / "cache")
    _compiles(monkeypatch, templates)
    subject = templates / "digest.subject.j2"
    subject.write_text(subject.read_text(encoding="utf-8") + " (edited)", encoding="utf-8")
    _fresh_process_caches(monkeypatch, tmp_path / "cache")
    assert _compiles(monkeypatch, templates) == 1
    assert Renderer(templates).render("digest", _digest_sample()).subject.endswith("(edited)")


def test_a_folder_others_may_write_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cache" / render.CACHE
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert render._cache_folder() is None
    caches = _fresh_process_caches(monkeypatch, tmp_path / "cache")
    assert _compiles(monkeypatch, ROOT / "templates") > 0  # rendered all the same, from memory
    assert not any(folder.iterdir()) and caches[False]._code

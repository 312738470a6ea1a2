"""`flask flows check` walks the web chat both ways it runs: without and with a number to text
and call from (`web_texts:` steps, issue 19, item 4), so an SMS-only phrase on a safe-number
step is found like any other, and `allowed` takes one that is true there."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content.catalogues import Catalogues
from tests.content.test_channel_wording import CHANNELS, CLEAN, FLOWS, problems

TEXTS_FLOW = """\
flow: hello
start: hello
messages: [carrier.stopped, note.service]
steps:
  hello:
    say: [hello.greeting]
    options: {"1": ask}
  ask:
    web: web_ask
    web_texts: web_ask_texts
    say: [ask.sms]
  web_ask:
    say: [ask.web]
  web_ask_texts:
    say: [ask.texts]
"""


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    """test_channel_wording.py's flows folder (made the same way), with a step the web chat
    runs only where the service can text (`web_texts:`)."""
    path = tmp_path / "flows"
    path.mkdir()
    for name in ("outbound.yaml", "referrals.yaml"):
        shutil.copyfile(FLOWS / name, path / name)
    (path / "dash.yaml").write_text((FLOWS / "dash.yaml").read_text(encoding="utf-8").replace(
        "\nwording: topics\n", "\nwording: published\n"), encoding="utf-8")
    (path / "triage.yaml").write_text("rules: []\n", encoding="utf-8")
    (path / "hello.yaml").write_text(TEXTS_FLOW, encoding="utf-8")
    (path / "channels.yaml").write_text(CHANNELS, encoding="utf-8")
    return path


def test_a_phrase_on_a_step_run_only_with_a_number_to_text_from_is_found(
        flows_dir: Path) -> None:
    texts = {"en": {**CLEAN, "ask.texts": "Is it safe to be texting now?"}}
    found = problems(flows_dir, texts, Catalogues(texts, "en"))
    assert any("ask.texts [en]" in p and "'texting'" in p for p in found), found


def test_allowed_takes_a_phrase_that_is_true_there(flows_dir: Path) -> None:
    channels = flows_dir / "channels.yaml"
    channels.write_text(channels.read_text(encoding="utf-8") + (
        '    ask.texts: "offers texts to a safe number the service does text"\n'),
        encoding="utf-8")
    texts = {"en": {**CLEAN, "ask.texts": "Is it safe to be texting now?"}}
    assert problems(flows_dir, texts, Catalogues(texts, "en")) == []

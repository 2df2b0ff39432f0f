"""README.md says what the program does: every key, every preset, every command, and the test
command that CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from bpstep.cli import COMMANDS
from bpstep.session import PRESETS
from bpstep.tui.keys import KEYS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def test_the_keys_table_has_every_key_of_the_key_table():
    table = section("Keys")
    for key in KEYS:
        if not key.keys:
            continue  # palette-only commands are named in the ctrl+p row
        first = key.shown.split()[0]
        assert f"`{first}`" in table, (key.id, first)


def test_every_preset_and_command_is_in_the_readme():
    for name in PRESETS:
        assert f"`{name}`" in section("Presets"), name
    for name in COMMANDS:
        assert f"bpstep {name}" in README, name


def test_the_readme_test_command_is_the_one_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    install, tests = blocks[0], blocks[1]
    assert install.endswith("pip install -e . && bpstep")
    command = tests.split("&&")[-1].strip()
    assert command == "python -m pytest -q"
    assert "\n" + command + "\n" in ci

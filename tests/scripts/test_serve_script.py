"""scripts/serve explains itself: its --help names every option `intake serve` takes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from intake.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_the_serve_script_s_help_names_every_option_of_intake_serve() -> None:
    # --help answers before any set-up (no virtual environment is made or touched)
    shown = subprocess.run(
        ["bash", str(ROOT / "scripts" / "serve"), "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    serve = main.commands["serve"]
    options = {
        name
        for parameter in serve.params
        for name in parameter.opts
        if name.startswith("--") and name != "--help"
    }
    assert options == {"--host", "--port", "--allowed-host", "--idle-timeout"}
    for name in [*options, "--workspace", "--database-url"]:
        assert name in shown, name

"""`make run`'s stack starts with nothing but Python, seeds the demo municipality and serves it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from ordning_shared import demo

pytestmark = pytest.mark.e2e


def test_embedded_stack_starts_seeds_and_serves(tmp_path):
    port_base = 18000 + os.getpid() % 1000 * 10
    env = dict(os.environ, ORDNING_DATA_DIR=str(tmp_path / "var"), ORDNING_RUN_PORT_BASE=str(port_base),
               ORDNING_LOG_LEVEL="WARNING")
    for name in list(env):
        if name.startswith("ORDNING_") and name.endswith(("DATABASE_URL", "BROKER_URL")):
            env.pop(name)
    env.pop("ORDNING_ENV", None)
    launcher = subprocess.Popen([sys.executable, "-m", "ordning_shared.devstack"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    # Drain the output all along, so no process of the stack blocks on a full pipe.
    threading.Thread(target=lambda: output.extend(iter(launcher.stdout.readline, "")), daemon=True).start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and launcher.poll() is None:
            if any("Ordning is running" in line for line in output):
                break
            time.sleep(0.2)
        assert any("Ordning is running" in line for line in output), "".join(output)
        deviations = f"http://127.0.0.1:{port_base + 2}"
        token = requests.post(f"http://127.0.0.1:{port_base + 1}/dev/token?user=erik", timeout=10).json()
        listed = requests.get(f"{deviations}/api/v1/deviations",
                              headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10)
        assert listed.status_code == 200, listed.text
        kinds = {item["kind"] for item in listed.json()["items"]}
        assert {"avvikelse", "lex_sarah", "synpunkt", "klagomal"} <= kinds
        assert all(item["unit_id"] == demo.unit_id("0138", "Hemtjänst Norr") for item in listed.json()["items"])
    finally:
        launcher.send_signal(signal.SIGINT)
        try:
            launcher.wait(timeout=30)
        except subprocess.TimeoutExpired:
            launcher.kill()

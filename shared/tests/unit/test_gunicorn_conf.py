import importlib
import os

from ordning_shared import gunicorn_conf


def test_importing_the_settings_changes_no_environment(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    importlib.reload(gunicorn_conf)
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ


def test_the_master_prepares_an_empty_metrics_folder_for_its_workers(monkeypatch, tmp_path):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("ORDNING_API_WORKERS", "3")
    # Set, then removed: monkeypatch then removes what on_starting sets, so no later test sees it.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "unset-after-the-test")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    conf = importlib.reload(gunicorn_conf)
    assert conf.workers == 3 and conf.worker_tmp_dir == str(tmp_path)
    stale = tmp_path / "prometheus" / "counter_1.db"
    stale.parent.mkdir()
    stale.write_bytes(b"from a previous container")
    conf.on_starting(server=None)
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path / "prometheus")
    assert (tmp_path / "prometheus").is_dir() and not stale.exists()


def test_no_metrics_folder_leaks_into_later_tests():
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ

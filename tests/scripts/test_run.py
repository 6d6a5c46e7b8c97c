"""Process naming of the embedded stack."""

from scripts.run import worker_names


def test_worker_names_single_worker_keeps_plain_name():
    assert worker_names(1) == ["worker"]


def test_worker_names_numbered_from_one():
    assert worker_names(3) == ["worker-1", "worker-2", "worker-3"]

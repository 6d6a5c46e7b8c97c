"""The benchmark's cached activities run once and repeat that result."""

from concurrent.futures import ThreadPoolExecutor

from temporalio import activity
from temporalio.testing import ActivityEnvironment

from scripts.bench_worker import cache_first_result

calls: list[int] = []


@activity.defn
def double(value: int) -> int:
    calls.append(value)
    return value * 2


def test_cache_first_result_runs_once(tmp_path):
    calls.clear()
    cached = cache_first_result(double, tmp_path)

    first = ActivityEnvironment().run(cached, 4)
    second = ActivityEnvironment().run(cached, 10)

    assert first == 8
    assert second == 8
    assert calls == [4]


def test_cache_first_result_keeps_activity_name(tmp_path):
    cached = cache_first_result(double, tmp_path)

    assert cached.__name__ == "double"
    assert cached.__temporal_activity_definition.name == "double"


def test_cache_first_result_concurrent_calls_run_once(tmp_path):
    calls.clear()
    cached = cache_first_result(double, tmp_path)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(cached, range(1, 33)))

    assert len(calls) == 1
    assert results == [calls[0] * 2] * 32


def test_cache_first_result_shared_by_workers(tmp_path):
    # Each worker process wraps the activity itself; the folder is shared.
    calls.clear()
    first_worker = cache_first_result(double, tmp_path)
    second_worker = cache_first_result(double, tmp_path)

    first = second_worker(7)
    second = first_worker(3)

    assert first == 14
    assert second == 14
    assert calls == [7]

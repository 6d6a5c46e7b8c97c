"""Replay recorded order histories against the current workflow code.

A change that would make running orders fail to replay (a reordered
activity, a removed timer) raises a nondeterminism error here.
"""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from core.temporal import sandbox_runner
from workflows.order import OrderWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_replay_histories_exist():
    names = {path.stem for path in HISTORIES}

    assert {"completed", "declined", "held", "cancelled", "lost_answer"} <= names


@pytest.mark.parametrize("path", HISTORIES, ids=[path.stem for path in HISTORIES])
async def test_replay_recorded_history(path: Path):
    history = WorkflowHistory.from_json(f"order-replay-{path.stem}", path.read_text())
    replayer = Replayer(
        workflows=[OrderWorkflow],
        data_converter=pydantic_data_converter,
        workflow_runner=sandbox_runner(),
    )

    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)

    assert result.replay_failure is None, result.replay_failure

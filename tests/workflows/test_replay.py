"""Replay recorded order histories against the current workflow code.

A change that would make running orders or shipments fail to replay (a
reordered activity, a removed timer) raises a nondeterminism error here.
"""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from core.temporal import sandbox_runner
from workflows.order import OrderWorkflow
from workflows.returns import ReturnWorkflow
from workflows.shipment import ShipmentWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_replay_histories_exist():
    names = {path.stem for path in HISTORIES}

    assert {"completed", "declined", "held", "cancelled", "lost_answer", "split",
            "partial_cancel", "shipment_delivered", "shipment_cancelled",
            "returned", "return_refunded"} <= names


@pytest.mark.parametrize("path", HISTORIES, ids=[path.stem for path in HISTORIES])
async def test_replay_recorded_history(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(
        workflows=[OrderWorkflow, ShipmentWorkflow, ReturnWorkflow],
        data_converter=pydantic_data_converter,
        workflow_runner=sandbox_runner(),
    )

    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)

    assert result.replay_failure is None, result.replay_failure

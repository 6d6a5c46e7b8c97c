"""Replay recorded order histories against the current workflow code.

Each folder under `histories/` holds one generation of the workflow
code: what orders started by it look like. A change that would make
running orders, shipments or returns of any generation fail to replay (a
reordered activity, a removed timer, a patch taken away) raises a
nondeterminism error here.
"""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from core.temporal import WORKFLOWS, sandbox_runner

HISTORIES = Path(__file__).parent / "histories"
RECORDED = sorted(HISTORIES.glob("*/*.json"))
ORDER_SCENARIOS = {"completed", "declined", "held", "cancelled", "lost_answer",
                   "split", "partial_cancel", "returned", "return_refunded"}
# Generations that ran shipments as child workflows recorded those too.
CHILD_SHIPMENTS = {"shipment_delivered", "shipment_cancelled"}


def recorded(generation: str) -> set[str]:
    return {path.stem for path in (HISTORIES / generation).glob("*.json")}


def test_every_generation_covers_the_scenarios():
    assert recorded("v1-child-shipments") == ORDER_SCENARIOS | CHILD_SHIPMENTS
    assert recorded("v2-inline-shipments") == ORDER_SCENARIOS


@pytest.mark.parametrize(
    "path", RECORDED, ids=[f"{path.parent.name}/{path.stem}" for path in RECORDED])
async def test_replay_recorded_history(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(
        workflows=WORKFLOWS,
        data_converter=pydantic_data_converter,
        workflow_runner=sandbox_runner(),
    )

    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)

    assert result.replay_failure is None, result.replay_failure

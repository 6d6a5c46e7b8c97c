"""The workflow helpers passed through the sandbox must stay deterministic.

Passed-through modules run without the sandbox's checks, so these tests
read their source: a helper that starts importing a clock, a random
source or I/O fails here instead of in a replay.
"""

import ast
import importlib
from pathlib import Path

import pytest

from core.temporal import WORKFLOW_HELPERS

ALLOWED_IMPORTS = {"dataclasses", "datetime", "typing", "temporalio", "models", "workflows"}
FORBIDDEN_CALLS = {"now", "utcnow", "today", "time", "random", "uuid4", "urandom", "open"}


def helper_source(name: str) -> ast.Module:
    path = Path(importlib.import_module(name).__file__)
    return ast.parse(path.read_text(), filename=str(path))


@pytest.mark.parametrize("name", WORKFLOW_HELPERS)
def test_passed_through_helper_imports_only_deterministic_modules(name):
    imported = set()
    for node in ast.walk(helper_source(name)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])

    assert imported <= ALLOWED_IMPORTS, imported - ALLOWED_IMPORTS


@pytest.mark.parametrize("name", WORKFLOW_HELPERS)
def test_passed_through_helper_calls_no_clock(name):
    called = set()
    for node in ast.walk(helper_source(name)):
        if isinstance(node, ast.Call):
            target = node.func
            called.add(target.attr if isinstance(target, ast.Attribute)
                       else getattr(target, "id", ""))

    assert not called & FORBIDDEN_CALLS, called & FORBIDDEN_CALLS


def test_workflow_definitions_stay_in_the_sandbox():
    # The modules with workflow classes get the sandbox's checks.
    assert not {"workflows.order", "workflows.shipment", "workflows.returns",
                "workflows.fulfilment", "workflows.order_operators",
                "workflows.order_returns", "workflows.order_shipments",
                } & set(WORKFLOW_HELPERS)

"""Turn a Temporal event history into rows support staff can read."""

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

from models.api import HistoryEvent


def readable_history(history: WorkflowHistory) -> list[HistoryEvent]:
    activity_by_scheduled_id: dict[int, str] = {}
    rows = []
    for event in history.events:
        name = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_").lower()
        row = HistoryEvent(
            event_id=event.event_id, time=event.event_time.ToDatetime(), event=name,
        )
        kind = event.WhichOneof("attributes")
        attributes = getattr(event, kind) if kind else None
        if kind == "activity_task_scheduled_event_attributes":
            activity_by_scheduled_id[event.event_id] = attributes.activity_type.name
            row.activity = attributes.activity_type.name
        elif kind and kind.startswith("activity_task_"):
            row.activity = activity_by_scheduled_id.get(attributes.scheduled_event_id)
            if kind == "activity_task_started_event_attributes":
                row.attempt = attributes.attempt
                if attributes.HasField("last_failure"):
                    row.failure = attributes.last_failure.message
            if kind == "activity_task_failed_event_attributes":
                row.failure = attributes.failure.message
        elif kind == "marker_recorded_event_attributes":
            row.detail = attributes.marker_name
        elif kind == "workflow_execution_update_accepted_event_attributes":
            row.detail = attributes.accepted_request.input.name
        elif kind == "timer_started_event_attributes":
            row.detail = f"{attributes.start_to_fire_timeout.ToTimedelta()}"
        elif kind == "workflow_execution_failed_event_attributes":
            row.failure = attributes.failure.message
        rows.append(row)
    return rows

"""Summarize orders per status and the time they spent in each stage."""

from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.status import ORDER_STAGES
from models.tables import OrderRecord


def stage_durations(state: dict) -> dict[str, float]:
    """Seconds between entering each stage and entering the next one."""
    started = {
        stage: datetime.fromisoformat(moment)
        for stage, moment in (state.get("stage_started_at") or {}).items()
    }
    ordered = sorted(started.items(), key=lambda item: item[1])
    return {
        stage: (ordered[i + 1][1] - moment).total_seconds()
        for i, (stage, moment) in enumerate(ordered[:-1])
    }


def summarize(engine: Engine) -> str:
    statuses: Counter[str] = Counter()
    seconds: dict[str, list[float]] = defaultdict(list)
    with Session(engine) as session:
        for record in session.exec(select(OrderRecord)):
            statuses[record.status] += 1
            for stage, duration in stage_durations(record.state or {}).items():
                seconds[stage].append(duration)

    lines = ["orders per status:"]
    for status, count in statuses.most_common():
        lines.append(f"  {status:<10} {count:>6}")
    lines.append("time per stage (mean seconds over orders that left it):")
    for stage in ORDER_STAGES:
        values = seconds.get(stage.value)
        if values:
            lines.append(f"  {stage.value:<10} {sum(values) / len(values):>8.2f}  "
                         f"({len(values)} orders)")
    return "\n".join(lines)

"""The nightly refresh at 02:00 London time: every area in one run."""

from __future__ import annotations

from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, schedule

from pipelines.jobs import refresh_all


@schedule(
    job=refresh_all,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Nightly refresh of every indicator for every area, in one run.",
)
def nightly_refresh(context: ScheduleEvaluationContext) -> RunRequest:
    scheduled = context.scheduled_execution_time
    return RunRequest(run_key=scheduled.isoformat() if scheduled else None, tags={"jsna/trigger": "nightly"})

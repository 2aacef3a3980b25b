"""The nightly refresh at 02:00 London time, every borough in one run."""

from __future__ import annotations

from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, schedule

from pipelines.jobs import all_boroughs_tags, refresh_all


@schedule(
    job=refresh_all,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Nightly refresh of every indicator for every borough, in one run.",
)
def nightly_refresh(context: ScheduleEvaluationContext) -> RunRequest:
    scheduled = context.scheduled_execution_time
    return RunRequest(
        run_key=scheduled.isoformat() if scheduled else None,
        tags={**all_boroughs_tags(), "jsna/trigger": "nightly"},
    )

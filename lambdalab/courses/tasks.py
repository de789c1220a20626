"""Thin Celery tasks: ids in, one service call each. Enqueued on the `batch` queue."""

from __future__ import annotations

from celery import shared_task

from lambdalab.courses import regrades


@shared_task(name="courses.regrade_item", acks_late=True)
def regrade_item(item_id: int) -> None:
    regrades.regrade_item_grade(item_id=item_id)


@shared_task(name="courses.reap_stuck_regrades", ignore_result=True)
def reap_stuck_regrades() -> None:
    regrades.regrades_reap()

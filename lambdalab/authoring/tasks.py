"""Thin Celery tasks: ids in, one service call each."""

from __future__ import annotations

from celery import shared_task

from lambdalab.authoring import services


@shared_task(name="authoring.validate_exercise_draft", acks_late=True)
def validate_exercise_draft(draft_id: int) -> None:
    services.exercise_draft_validate(draft_id=draft_id)

from __future__ import annotations

from celery import shared_task

from lambdalab.core.services import ping_answer


@shared_task(name="core.answer_ping")
def answer_ping(ping_id: int) -> None:
    ping_answer(ping_id=ping_id)

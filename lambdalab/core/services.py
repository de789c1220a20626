"""Operational services: health of the parts the site depends on, and worker round trips."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from lambdalab.core.models import WorkerPing


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


def health_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not answering"
        return Check(ok=False, detail=f"{type(exc).__name__}: {exc}")
    return Check(ok=True, detail=connection.vendor)


def health_broker(*, timeout: float = 2.0) -> Check:
    from lambdalab.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
            transport = conn.transport_cls
    except Exception as exc:
        return Check(ok=False, detail=f"{type(exc).__name__}: {exc}")
    return Check(ok=True, detail=str(transport))


def ping_create() -> WorkerPing:
    """Record a ping and send it to a worker once the row is committed."""
    from lambdalab.core.tasks import answer_ping

    ping = WorkerPing.objects.create()
    transaction.on_commit(lambda: answer_ping.apply_async(args=[ping.pk], queue="interactive"))
    return ping


def ping_answer(*, ping_id: int) -> bool:
    """Mark a ping answered by this worker; idempotent (a redelivery changes nothing)."""
    updated = WorkerPing.objects.filter(pk=ping_id, answered_at__isnull=True).update(
        answered_at=timezone.now(), worker=socket.gethostname()
    )
    return updated == 1

"""The lifecycle every background job shares: runs, submissions, regrade items, cloud jobs.

A job row is the source of truth and moves queued → running → finished | error. Celery may deliver
a message more than once, so a worker first *claims* the row atomically (only one delivery wins)
and later *finishes* it only while it still holds that claim: a job the reaper handed to another
worker in the meantime is never written twice.
"""

from __future__ import annotations

import logging
import uuid

from django.db import models
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    ERROR = "error", "Error"


PENDING = (Status.QUEUED, Status.RUNNING)


def job_claim(model: type[models.Model], job_id: int) -> str | None:
    """Atomically move a queued job to running; the claim token, or None if another delivery
    got it first. The model needs status, started_at, claim_token and deliveries fields."""
    token = str(uuid.uuid4())
    claimed = model.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING,
        started_at=timezone.now(),
        claim_token=token,
        deliveries=F("deliveries") + 1,
    )
    return token if claimed else None


def job_finish(
    model: type[models.Model], job_id: int, token: str, *, status: str = Status.FINISHED, **fields
) -> bool:
    """Write the outcome only if this delivery still holds the claim; False if it moved on."""
    written = model.objects.filter(pk=job_id, status=Status.RUNNING, claim_token=token).update(
        status=status, finished_at=timezone.now(), **fields
    )
    if not written:
        logger.warning("%s %s: result dropped, the claim moved on", model.__name__, job_id)
    return bool(written)

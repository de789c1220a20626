from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lambdalab.core import services
from lambdalab.core.models import WorkerPing


def home(request: HttpRequest) -> HttpResponse:
    lessons = _lesson_list()
    return render(request, "core/home.html", {"lessons": lessons})


def _lesson_list() -> list:
    try:
        from lambdalab.catalog.selectors import lesson_list
    except ImportError:  # the catalog has no lessons yet
        return []
    return list(lesson_list())


def staff_required(view: Callable) -> Callable:
    """Anonymous visitors are sent to log in; signed-in non-staff get 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = services.health_database()
    broker = services.health_broker()
    healthy = database.ok and broker.ok
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": {"ok": database.ok, "detail": database.detail},
        "broker": {"ok": broker.ok, "detail": broker.detail},
    }
    return JsonResponse(body, status=200 if healthy else 503)


@staff_required
def status(request: HttpRequest) -> HttpResponse:
    pings = WorkerPing.objects.all()[:5]
    return render(request, "core/status.html", {"pings": pings})


@staff_required
@require_POST
def ping_create(request: HttpRequest) -> HttpResponse:
    ping = services.ping_create()
    return render(request, "core/status.html#ping", {"ping": ping})


@staff_required
def ping_detail(request: HttpRequest, ping_id: int) -> HttpResponse:
    ping = get_object_or_404(WorkerPing, pk=ping_id)
    context = {"ping": ping}
    if ping.answered:  # the "Recent pings" table catches up (out of band)
        context["pings"] = WorkerPing.objects.all()[:5]
    return render(request, "core/status.html#ping", context)

"""Where deployable code comes from: a saved draft of an exercise, or one of the learner's runs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lambdalab.cloud.naming import GuardrailError


@dataclass(frozen=True)
class Code:
    files: dict[str, str]
    handler: str
    config: dict[str, Any]
    exercise: Any
    label: str


def drafts_for(*, user) -> list[tuple[str, str]]:
    """(slug, title) of the exercises the learner has a draft of, for the deploy form."""
    from lambdalab.progress.models import Draft

    drafts = Draft.objects.filter(user=user, exercise__archived=False).select_related("exercise")
    return [(d.exercise.slug, d.exercise.title) for d in drafts.order_by("exercise__title")]


def code_from_draft(*, user, slug: str) -> Code:
    from lambdalab.progress.models import Draft

    draft = (
        Draft.objects.select_related("exercise__current_version", "exercise__lesson")
        .filter(user=user, exercise__slug=slug, exercise__archived=False)
        .first()
    )
    if draft is None or not draft.files:
        raise GuardrailError(
            "Open that exercise and save your code first; LambdaLab deploys your saved draft."
        )
    content = draft.exercise.current_version.content()
    config = content.config_dict()
    config.update({k: v for k, v in (draft.config or {}).items() if k in content.configurable})
    return Code(
        files=draft.files,
        handler=config["handler"],
        config=config,
        exercise=draft.exercise,
        label=f"draft of {draft.exercise.title}",
    )


def code_from_run(*, user, run_id: int) -> Code:
    from lambdalab.submissions.models import Run

    run = Run.objects.select_related("exercise").filter(pk=run_id, user=user).first()
    if run is None:
        raise GuardrailError("That run does not exist.")
    return Code(
        files=run.files,
        handler=run.handler,
        config=dict(run.config or {}),
        exercise=run.exercise,
        label=f"run {run.pk}",
    )


def code_from_deployment(*, user, deployment_id: int) -> Code:
    """Deploy the same code again (after a teardown or a failure), with its configuration."""
    from lambdalab.cloud.models import Deployment

    old = Deployment.objects.select_related("exercise").filter(pk=deployment_id, user=user).first()
    if old is None:
        raise GuardrailError("That deployment does not exist.")
    return Code(
        files=old.files,
        handler=old.handler,
        config=dict(old.config),
        exercise=old.exercise,
        label=old.source,
    )


def event_choices(*, user, deployment) -> dict[str, list[tuple[str, str]]]:
    """Events to start from: the console-like templates, and the learner's saved test events."""
    from lambdalab.mockaws.templates import event_templates
    from lambdalab.progress.models import SavedEvent

    saved = SavedEvent.objects.filter(user=user, exercise=deployment.exercise_id)
    return {
        "templates": [(t["id"], t["name"]) for t in event_templates()],
        "saved": [(e.name, e.name) for e in saved] if deployment.exercise_id else [],
    }


def event_text(*, user, deployment, query) -> str:
    """The event chosen with ?template=<id> or ?saved=<name>, as text for the form ('' if none)."""
    from lambdalab.mockaws.templates import event_template
    from lambdalab.progress.models import SavedEvent

    if query.get("template"):
        try:
            return json.dumps(event_template(query["template"]), indent=2)
        except KeyError:
            return ""
    if query.get("saved") and deployment.exercise_id:
        saved = SavedEvent.objects.filter(
            user=user, exercise=deployment.exercise_id, name=query["saved"]
        ).first()
        return saved.body if saved else ""
    return ""

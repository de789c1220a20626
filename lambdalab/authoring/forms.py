from __future__ import annotations

import re

from django import forms
from django.forms import formset_factory

from lambdalab.authoring.folder import Parts, WrongVariant

CODE = {"class": "code-input", "rows": 12, "spellcheck": "false", "autocapitalize": "off"}
YAML = {"class": "code-input", "rows": 10, "spellcheck": "false"}


class ExerciseForm(forms.Form):
    title = forms.CharField(max_length=200)
    prompt = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), help_text="Markdown.")
    handler = forms.RegexField(
        regex=r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$",
        initial="lambda_function.lambda_handler",
        help_text="module.function, as in the Lambda console.",
    )
    points = forms.FloatField(min_value=0, initial=10)
    memory = forms.IntegerField(min_value=128, max_value=10240, initial=128, label="Memory (MB)")
    timeout = forms.IntegerField(min_value=1, max_value=900, initial=3, label="Timeout (s)")
    environment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={**YAML, "rows": 3}),
        help_text="Environment variables as YAML, e.g. <code>GREETING: Hej</code>.",
    )
    tests = forms.CharField(
        widget=forms.Textarea(attrs={**YAML, "rows": 16}),
        help_text="A YAML list of tests: name, visible, points, event, checks "
        "(see lessons/README.md for every check).",
    )
    fixtures = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs=YAML),
        help_text="Mock AWS resources as YAML (s3:, dynamodb:, ec2: ...); leave empty for none.",
    )
    starter = forms.CharField(widget=forms.Textarea(attrs=CODE), strip=False, label="Starter code")
    solution = forms.CharField(
        widget=forms.Textarea(attrs=CODE), strip=False, label="Reference solution"
    )

    def parts(self, wrong: list[WrongVariant]) -> Parts:
        data = self.cleaned_data
        return Parts(
            **{
                k: data[k]
                for k in (
                    "title",
                    "prompt",
                    "handler",
                    "points",
                    "memory",
                    "timeout",
                    "environment",
                    "tests",
                    "fixtures",
                    "starter",
                    "solution",
                )
            },
            wrong=wrong,
        )


class NewExerciseForm(ExerciseForm):
    slug = forms.SlugField(max_length=80, help_text="kebab-case, unique, e.g. resize-image.")
    field_order = ["slug"]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
            raise forms.ValidationError("Use lower-case words joined by hyphens.")
        return slug


class WrongForm(forms.Form):
    name = forms.SlugField(max_length=60, required=False, help_text="e.g. forgets-to-strip")
    why = forms.CharField(max_length=300, required=False, label="Why it is wrong")
    code = forms.CharField(
        widget=forms.Textarea(attrs={**CODE, "rows": 8}), required=False, strip=False
    )

    def clean(self):
        data = super().clean()
        filled = [bool(data.get(k, "").strip()) for k in ("name", "why", "code")]
        if any(filled) and not all(filled):
            raise forms.ValidationError("A wrong solution needs a name, a reason and code.")
        return data


WrongFormSet = formset_factory(WrongForm, extra=1, can_delete=True, max_num=20)


def wrong_variants(formset) -> list[WrongVariant]:
    return [
        WrongVariant(f.cleaned_data["name"], f.cleaned_data["why"], f.cleaned_data["code"])
        for f in formset.forms
        if f.cleaned_data.get("name") and not f.cleaned_data.get("DELETE")
    ]


class LessonNewForm(forms.Form):
    dir_name = forms.RegexField(
        regex=r"^\d{2}-[a-z0-9]+(-[a-z0-9]+)*$",
        label="Folder name",
        help_text="Two-digit position, then the slug: 05-step-functions.",
    )


class LessonForm(forms.Form):
    text = forms.CharField(
        label="lesson.md",
        strip=False,
        widget=forms.Textarea(attrs={**CODE, "rows": 28, "id": "lesson-text"}),
        help_text="Front matter between --- lines, then Markdown. Quizzes and exercises are "
        "fenced blocks (```quiz, ```exercise).",
    )


class QuizForm(forms.Form):
    quiz_id = forms.SlugField(max_length=80, label="Quiz id")
    kind = forms.ChoiceField(choices=[("single", "One answer"), ("multiple", "Several answers")])
    question = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    options = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One option per line: <code>* text | explanation</code> marks a correct one, "
        "<code>- text | explanation</code> a wrong one.",
    )

    def clean_options(self) -> list[dict]:
        options = []
        for number, line in enumerate(self.cleaned_data["options"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            if line[0] not in "*-" or "|" not in line:
                raise forms.ValidationError(f"Line {number}: start with * or -, and add | why.")
            text, why = (part.strip() for part in line[1:].split("|", 1))
            options.append({"text": text, "correct": line[0] == "*", "explanation": why})
        if len(options) < 2 or not any(o["correct"] for o in options):
            raise forms.ValidationError("Give at least two options, one of them correct (*).")
        return options


class ImportForm(forms.Form):
    archive = forms.FileField(label="Lesson folder (.zip)")

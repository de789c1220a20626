from __future__ import annotations

from django import forms

from lambdalab.catalog.models import Exercise, Lesson
from lambdalab.courses.models import Course


class CourseForm(forms.ModelForm):
    lessons = forms.ModelMultipleChoiceField(
        queryset=Lesson.objects.filter(archived=False),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Lessons your students should read.",
    )

    class Meta:
        model = Course
        fields = ["title", "description", "late_penalty_percent", "late_days_max", "joining_open"]
        labels = {
            "late_penalty_percent": "Late penalty per day (%)",
            "late_days_max": "Accept late work for (days)",
            "joining_open": "Students may join with the code or invite link",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class JoinForm(forms.Form):
    code = forms.CharField(
        max_length=12, label="Join code", help_text="Eight letters and digits from your instructor."
    )


class InstructorForm(forms.Form):
    username = forms.CharField(max_length=150, label="Co-instructor's username")


class AssignmentForm(forms.Form):
    exercise = forms.ModelChoiceField(
        queryset=Exercise.objects.filter(archived=False, current_version__isnull=False)
        .select_related("lesson")
        .order_by("lesson__position", "position"),
    )
    due_at = forms.DateTimeField(
        required=False,
        label="Due (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    points = forms.FloatField(min_value=0, initial=10)
    accept_late = forms.BooleanField(required=False, initial=True, label="Accept late work")


class GradebookFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Student")
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("all", "Everyone"),
            ("missing", "Missing an assignment"),
            ("late", "Handed something in late"),
            ("incomplete", "Not yet full marks"),
            ("complete", "Full marks everywhere"),
        ],
    )
    assignment = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args, assignments=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignment"].choices = [("", "Every assignment")] + [
            (a.pk, a.exercise.title) for a in assignments
        ]

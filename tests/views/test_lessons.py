"""Reading lessons: rendered Markdown, quizzes answered in place, progress marks, prev/next."""

from __future__ import annotations

import pytest

from lambdalab.catalog.models import Lesson, Quiz
from lambdalab.progress.models import LessonProgress, QuizAnswer

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_visitor_reads_the_lesson_list_with_minutes(anonymous, curriculum):
    page = anonymous.get("/").content.decode()
    for lesson in Lesson.objects.all():
        assert lesson.title in page
        assert f"{lesson.minutes} min" in page


def test_visitor_reads_a_lesson_without_javascript(anonymous, first_lesson):
    response = anonymous.get(first_lesson.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<h1 id="lesson-title">{first_lesson.title}</h1>' in page
    assert f"About {first_lesson.minutes} min" in page
    # Quizzes are plain forms that post without JavaScript.
    quiz = Quiz.objects.filter(lesson=first_lesson).first()
    assert f'action="/lessons/{first_lesson.slug}/quiz/{quiz.quiz_id}/"' in page
    assert "<script" not in page.split("<main", 1)[1]  # no inline script in the lesson body


def test_lesson_pages_link_previous_and_next(anonymous, curriculum):
    lessons = list(Lesson.objects.order_by("position"))
    middle = anonymous.get(lessons[1].get_absolute_url()).content.decode()
    assert f'href="{lessons[0].get_absolute_url()}" rel="prev"' in middle
    assert f'href="{lessons[2].get_absolute_url()}" rel="next"' in middle


def test_every_real_lesson_renders_its_quizzes_exercises_and_widgets(student_client, curriculum):
    for lesson in Lesson.objects.all():
        page = student_client.get(lesson.get_absolute_url()).content.decode()
        for quiz in lesson.quizzes.all():
            assert f'id="quiz-{quiz.quiz_id}"' in page
        for exercise in lesson.exercises.all():
            assert f'href="/exercises/{exercise.slug}/"' in page
        assert 'class="lesson-quiz"' not in page  # every placeholder was filled
        assert 'class="lesson-widget"' not in page


def test_cost_calculator_widget_uses_the_lesson_settings(anonymous, curriculum):
    lesson = Lesson.objects.get(slug="serverless-vs-ec2")
    page = anonymous.get(lesson.get_absolute_url()).content.decode()
    assert 'id="cost-lab"' in page
    assert 'name="ec2_hourly_usd" type="number" min="0" step="0.0001" value="0.0208"' in page


def test_lesson_diagram_is_served_with_scripts_disabled(anonymous, curriculum):
    lesson = Lesson.objects.get(slug="serverless-vs-ec2")
    response = anonymous.get(f"/lessons/{lesson.slug}/diagrams/idle-capacity.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "sandbox" in response["Content-Security-Policy"]
    assert anonymous.get(f"/lessons/{lesson.slug}/lesson.md").status_code == 404


def test_learner_answers_a_quiz_in_place_and_sees_why(student, student_client, first_lesson):
    quiz = Quiz.objects.filter(lesson=first_lesson, kind="single").first()
    wrong = next(i for i, o in enumerate(quiz.options) if not o.get("correct"))
    url = f"/lessons/{first_lesson.slug}/quiz/{quiz.quiz_id}/"
    response = student_client.post(url, {"option": [wrong]}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page  # the partial only
    assert "Not quite." in page
    assert "Not yet" in page
    answer = QuizAnswer.objects.get(user=student, quiz=quiz)
    assert answer.correct is False
    right = quiz.correct_indexes
    page = student_client.post(url, {"option": right}, **HTMX).content.decode()
    assert "Correct" in page
    answer.refresh_from_db()
    assert answer.correct and answer.tries == 2
    # The lesson's progress bar catches up in the same answer, out of band.
    assert '<div id="lesson-complete" aria-live="polite" hx-swap-oob="true">' in page
    assert "% done" in page and "Not started" not in page


def test_quiz_without_javascript_redirects_back_to_the_question(student_client, first_lesson):
    quiz = Quiz.objects.filter(lesson=first_lesson).first()
    response = student_client.post(
        f"/lessons/{first_lesson.slug}/quiz/{quiz.quiz_id}/", {"option": quiz.correct_indexes}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#quiz-{quiz.quiz_id}")
    page = student_client.get(first_lesson.get_absolute_url()).content.decode()
    assert "Correct" in page


def test_visitor_gets_feedback_but_nothing_is_kept(anonymous, first_lesson):
    quiz = Quiz.objects.filter(lesson=first_lesson).first()
    page = anonymous.post(
        f"/lessons/{first_lesson.slug}/quiz/{quiz.quiz_id}/",
        {"option": quiz.correct_indexes},
        **HTMX,
    ).content.decode()
    assert "Correct" in page and "Log in to keep your answers" in page
    assert not QuizAnswer.objects.exists()


def test_learner_marks_a_lesson_done_and_the_home_page_shows_it(
    student, student_client, first_lesson
):
    response = student_client.post(
        f"/lessons/{first_lesson.slug}/complete/", {"done": "true"}, **HTMX
    )
    assert "Marked done" in response.content.decode()
    assert LessonProgress.objects.get(user=student, lesson=first_lesson).completed_at
    home = student_client.get("/").content.decode()
    assert f"Progress in {first_lesson.title}" in home


def test_opening_a_lesson_records_progress(student, student_client, first_lesson):
    student_client.get(first_lesson.get_absolute_url())
    assert LessonProgress.objects.filter(user=student, lesson=first_lesson).exists()


def test_unknown_lesson_is_404(anonymous, curriculum):
    assert anonymous.get("/lessons/no-such-lesson/").status_code == 404


@pytest.mark.parametrize("path", ["/labs/cost/", "/labs/concurrency/"])
def test_labs_work_without_javascript(anonymous, db, path):
    page = anonymous.get(path).content.decode()
    assert "Lambda per month" in page and "Cold starts" in page


def test_cost_calculator_partial_recomputes_the_bill(anonymous, db):
    response = anonymous.get(
        "/labs/cost/",
        {
            "requests_per_month": "3000000",
            "avg_duration_ms": "100",
            "memory_mb": "512",
            "architecture": "x86_64",
            "ec2_hourly_usd": "0.0208",
        },
        **HTMX,
    )
    page = response.content.decode()
    assert "<html" not in page
    # 3M × $0.20/M + 3M × 0.1 s × 0.5 GB × $0.0000166667 = $0.60 + $2.50
    assert "$3.10" in page


def test_concurrency_lab_partial_shows_throttles(anonymous, db):
    page = anonymous.get(
        "/labs/concurrency/", {"burst": "8", "waves": "1", "limit": "3"}, **HTMX
    ).content.decode()
    assert 'data-testid="environments">3<' in page
    assert 'data-testid="throttles">5<' in page


def test_pages_load_only_the_scripts_they_use(student_client, curriculum):
    plain = student_client.get("/lessons/what-is-serverless/").content.decode()
    assert "dist/app.js" in plain
    assert "dist/labs.js" not in plain and "dist/workspace.js" not in plain
    calculator = student_client.get("/lessons/serverless-vs-ec2/").content.decode()
    assert "dist/labs.js" in calculator
    exercise = student_client.get("/exercises/first-handler/").content.decode()
    assert "dist/workspace.js" in exercise

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from lambdalab.accounts.models import Role, User
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.smoke


def test_visitor_signs_up_as_a_student_and_is_logged_in(anonymous, db):
    response = anonymous.post(
        "/accounts/signup/",
        {
            "username": "linus",
            "email": "linus@example.com",
            "password1": "a-long-unusual-password",
            "password2": "a-long-unusual-password",
        },
        follow=True,
    )

    assert response.status_code == 200
    user = User.objects.get(username="linus")
    assert user.role == Role.STUDENT
    assert "Signed in as" in response.content.decode()


def test_signup_with_mismatched_passwords_explains_the_problem(anonymous, db):
    response = anonymous.post(
        "/accounts/signup/",
        {
            "username": "linus",
            "email": "linus@example.com",
            "password1": "a-long-unusual-password",
            "password2": "something-else-entirely",
        },
    )

    assert response.status_code == 200
    assert (
        "didn’t match" in response.content.decode() or "didn't match" in response.content.decode()
    )
    assert not User.objects.filter(username="linus").exists()


def test_student_logs_in_and_out(anonymous, student):
    response = anonymous.post(
        "/accounts/login/", {"username": "ada", "password": PASSWORD}, follow=True
    )
    assert "Signed in as" in response.content.decode()

    response = anonymous.post("/accounts/logout/", follow=True)
    assert "Log in" in response.content.decode()
    assert "Signed in as" not in response.content.decode()


def test_wrong_password_is_refused_with_a_message(anonymous, student):
    response = anonymous.post("/accounts/login/", {"username": "ada", "password": "nope"})

    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_student_changes_password(student_client, student):
    response = student_client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-password-1",
            "new_password2": "another-long-password-1",
        },
        follow=True,
    )

    assert "Password changed" in response.content.decode()
    student.refresh_from_db()
    assert student.check_password("another-long-password-1")


def test_forgotten_password_is_reset_through_the_emailed_link(anonymous, student):
    anonymous.post("/accounts/password_reset/", {"email": student.email})

    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    form_page = anonymous.get(path, follow=True)
    response = anonymous.post(
        form_page.redirect_chain[-1][0],
        {
            "new_password1": "brand-new-password-9",
            "new_password2": "brand-new-password-9",
        },
        follow=True,
    )

    assert "Password set" in response.content.decode()
    student.refresh_from_db()
    assert student.check_password("brand-new-password-9")


def test_instructor_sees_the_admin_and_a_student_does_not(instructor_client, student_client):
    assert instructor_client.get("/admin/").status_code == 200
    assert student_client.get("/admin/").status_code == 302


def test_instructor_is_badged_in_the_header(instructor_client):
    page = instructor_client.get("/").content.decode()

    assert "Instructor" in page


def test_demo_accounts_are_created_once_and_can_log_in(db, capsys, anonymous):
    call_command("seed_demo")
    call_command("seed_demo")

    out = capsys.readouterr().out
    assert "login: instructor" in out and "login: student" in out
    assert User.objects.get(username="instructor").role == Role.INSTRUCTOR
    assert User.objects.get(username="student").role == Role.STUDENT
    assert User.objects.filter(username__in=["instructor", "student"]).count() == 2
    assert anonymous.login(username="student", password="lambdalab-student")


def test_status_page_is_for_staff_only(student_client, instructor_client):
    assert instructor_client.get("/status/").status_code == 200
    assert student_client.get("/status/").status_code == 403


def test_an_administrator_makes_a_signed_up_learner_an_instructor(student, capsys):
    assert client_for(student).get("/courses/new/").status_code == 403

    call_command("set_role", student.username, "instructor")

    assert "ada is now instructor." in capsys.readouterr().out
    student.refresh_from_db()
    assert student.role == Role.INSTRUCTOR and student.is_staff
    assert client_for(student).get("/courses/new/").status_code == 200
    with pytest.raises(CommandError, match="There is no account called 'nobody'"):
        call_command("set_role", "nobody", "instructor")

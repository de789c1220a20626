"""Access keys go in once and never come out: not in pages, not in logs, not in the database."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.urls import reverse

from lambdalab.cloud.models import CloudAccount, Deployment, Status, Verification
from tests.cloud.test_flow import make_run

pytestmark = pytest.mark.django_db

KEY_ID = "AKIAADALOVELACE12345"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYADAKEY9999"


def all_cloud_rows() -> str:
    with connection.cursor() as cursor:
        dumped = []
        for table in connection.introspection.table_names():
            if table.startswith("cloud_"):
                cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
                dumped.append(repr(cursor.fetchall()))
    return "\n".join(dumped)


def test_access_keys_are_usable_but_never_shown_logged_or_stored_in_plain_text(
    ada, student, cloud_settings, post, deploy_queue, caplog, moto_url
):
    caplog.set_level(logging.DEBUG, logger="lambdalab")
    caplog.set_level(logging.INFO)
    response = post(
        ada,
        reverse("cloud_connect"),
        {
            "mode": "keys",
            "region": "us-east-1",
            "access_key_id": KEY_ID,
            "secret_access_key": SECRET,
            "execution_role_arn": "arn:aws:iam::123456789012:role/keys-exec",
        },
    )
    assert response.status_code == 302

    # the keys work: moto's default account answers to them
    post(ada, reverse("cloud_verify"))
    deploy_queue.run_all()
    assert Verification.objects.get().status == Status.FINISHED
    assert CloudAccount.objects.get().aws_account_id == "123456789012"
    # and a deploy with them fails on the role, not the keys, without leaking them either
    post(ada, reverse("cloud_deploy"), {"run": make_run(student).pk})
    deploy_queue.run_all()
    assert Deployment.objects.get().status == Status.ERROR

    pages = [
        ada.get(reverse("cloud")),
        ada.get(Deployment.objects.get().get_absolute_url()),
        ada.get(reverse("cloud_verification"), HTTP_HX_REQUEST="true"),
    ]
    for page in pages:
        text = page.content.decode()
        assert KEY_ID not in text and SECRET not in text
    assert "access keys (stored encrypted; they are never shown again)" in pages[0].content.decode()
    stored = all_cloud_rows()
    assert KEY_ID not in stored and SECRET not in stored
    assert "gAAAA" in stored  # Fernet tokens are what is there instead
    assert KEY_ID not in caplog.text and SECRET not in caplog.text
    assert caplog.records  # something was logged, so the check above means something


def test_a_refused_connection_form_does_not_echo_the_secret(ada, cloud_settings, post):
    response = post(
        ada,
        reverse("cloud_connect"),
        {
            "mode": "keys",
            "region": "mars-north-1",
            "access_key_id": KEY_ID,
            "secret_access_key": SECRET,
        },
    )

    assert response.status_code == 422
    text = response.content.decode()
    assert "Select a valid choice" in text
    assert SECRET not in text and KEY_ID not in text


def test_changing_the_encryption_secret_asks_the_learner_to_connect_again(
    ada, student, cloud_settings, post, deploy_queue
):
    post(
        ada,
        reverse("cloud_connect"),
        {
            "mode": "keys",
            "region": "us-east-1",
            "access_key_id": KEY_ID,
            "secret_access_key": SECRET,
        },
    )
    cloud_settings.CLOUD_ENCRYPTION_KEY = "a-different-secret"

    post(ada, reverse("cloud_verify"))
    deploy_queue.run_all()

    verification = Verification.objects.get()
    assert verification.status == Status.ERROR
    assert "Connect your account again" in verification.error_message


def test_rotating_the_encryption_secret_keeps_stored_keys_readable(student, cloud_settings):
    from lambdalab.cloud import crypto

    token = crypto.encrypt(SECRET)
    cloud_settings.CLOUD_ENCRYPTION_KEY = "new-secret,test-encryption-secret"

    assert crypto.decrypt(token) == SECRET
    assert crypto.decrypt(crypto.encrypt("x")) == "x"


def test_disconnecting_forgets_the_keys(ada, student, cloud_settings, post):
    post(
        ada,
        reverse("cloud_connect"),
        {
            "mode": "keys",
            "region": "us-east-1",
            "access_key_id": KEY_ID,
            "secret_access_key": SECRET,
        },
    )
    post(ada, reverse("cloud_disconnect"))

    account = CloudAccount.objects.get(user=student)
    assert (account.mode, account.access_key_token, account.secret_key_token) == ("", "", "")


def test_staff_pages_never_list_the_encrypted_keys(
    instructor, instructor_client, student, cloud_settings
):
    from lambdalab.cloud import services

    instructor.is_superuser = True
    instructor.save()
    account = services.account_connect(
        user=student,
        mode="keys",
        region="us-east-1",
        access_key_id=KEY_ID,
        secret_access_key=SECRET,
    )

    page = instructor_client.get(
        reverse("admin:cloud_cloudaccount_change", args=[account.pk])
    ).content.decode()

    assert account.external_id in page
    assert account.secret_key_token not in page and SECRET not in page

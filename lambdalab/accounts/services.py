"""Account services: sign-up and the demo accounts `make run` creates."""

from __future__ import annotations

from dataclasses import dataclass

from lambdalab.accounts.models import Role, User


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


DEMO_ACCOUNTS = [
    DemoLogin(username="instructor", password="lambdalab-instructor", role=Role.INSTRUCTOR),  # noqa: S106 (demo)
    DemoLogin(username="student", password="lambdalab-student", role=Role.STUDENT),  # noqa: S106 (demo)
]


def user_signup(*, username: str, email: str, password: str) -> User:
    """Create a student account (everyone signs up as a student; instructors are promoted)."""
    return User.objects.create_user(
        username=username, email=email, password=password, role=Role.STUDENT
    )


def role_set(*, user: User, role: str) -> User:
    """Promote a learner to instructor (or back): instructors also reach the admin site."""
    user.role = role
    user.is_staff = role == Role.INSTRUCTOR or user.is_superuser
    user.save(update_fields=["role", "is_staff"])
    return user


def demo_accounts_ensure() -> list[DemoLogin]:
    """Create the demo instructor and student if missing; resetting their passwords is harmless."""
    for demo in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(
            username=demo.username,
            defaults={"email": f"{demo.username}@example.com", "role": demo.role},
        )
        user.role = demo.role
        user.is_staff = demo.role == Role.INSTRUCTOR
        user.set_password(demo.password)
        user.save()
    return list(DEMO_ACCOUNTS)

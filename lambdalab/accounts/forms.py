from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm

from lambdalab.accounts.models import User


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=True, help_text="Used only to reset your password.")

    class Meta:
        model = User
        fields = ["username", "email"]

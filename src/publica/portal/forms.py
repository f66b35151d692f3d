"""Django forms for the portal's own pages, with GOV.UK Design System classes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

_CLASSES = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.CheckboxInput: "govuk-checkboxes__input",
}


class GovukMixin:
    """Gives every widget its GOV.UK class and links hints and errors for screen readers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            css = _CLASSES.get(type(field.widget), "govuk-input")  # type: ignore[call-overload]
            field.widget.attrs.setdefault("class", css)
            described = [f"id_{name}-hint"] if field.help_text else []
            if self.is_bound and name in self.errors:  # type: ignore[attr-defined]
                field.widget.attrs["class"] += f" {css}--error"
                described.append(f"id_{name}-error")
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)

    def error_list(self) -> list[dict[str, str]]:
        """Errors for the page's error summary, each linking to its field."""
        return [
            {"href": f"#id_{name}" if name != "__all__" else "#main-content", "message": message}
            for name, messages in self.errors.items()  # type: ignore[attr-defined]
            for message in messages
        ]


class TrackForm(GovukMixin, forms.Form):
    reference = forms.CharField(
        label=_("Reference number"), help_text=_("For example, PTH-2026-000123"), max_length=20
    )
    email = forms.EmailField(label=_("Email address you gave us"))


class LedgerSearchForm(GovukMixin, forms.Form):
    """A case reference to look up in the public ledger (read from the query string)."""

    case = forms.CharField(
        label=_("Case reference"),
        help_text=_("For example, PTH-2026-000123"),
        max_length=32,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$",
                _("Enter a case reference with only letters, numbers and hyphens"),
            )
        ],
        error_messages={
            "required": _("Enter a case reference"),
            "max_length": _("A case reference is at most 32 characters long"),
        },
    )

    def clean_case(self) -> str:
        return str(self.cleaned_data["case"]).upper()


class SignUpForm(GovukMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Email address"))
    username = forms.CharField(
        label=_("Username"), max_length=150, help_text=_("Letters, digits and @ . + - _ only")
    )
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only numbers, and not a common password"),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords are different"))
        return data


class SignInForm(GovukMixin, auth_forms.AuthenticationForm):
    pass


class ResetForm(GovukMixin, auth_forms.PasswordResetForm):
    pass


class NewPasswordForm(GovukMixin, auth_forms.SetPasswordForm):  # type: ignore[type-arg]
    pass

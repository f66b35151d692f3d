from typing import Any

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from publica.portal import account, describe, messages_links, tracking, transparency, views
from publica.portal.duplicates import possible_duplicates, report
from publica.portal.forms import NewPasswordForm, ResetForm, SignInForm
from publica.portal.help import help_page

app_name = "portal"


def _message(heading: Promise, text: Promise) -> dict[str, Any]:
    return {
        "template_name": "portal/message.html",
        "extra_context": {"heading": heading, "text": text},
    }


urlpatterns = [
    path("", views.home, name="home"),
    path("report/", describe.describe, name="describe"),
    path("services/<slug:slug>/", views.service_detail, name="service"),
    path("services/<slug:slug>/start/", views.service_start, name="start"),
    path("services/<slug:slug>/form/<int:number>/", views.form_page, name="form-page"),
    path("services/<slug:slug>/check/", views.check_answers, name="check"),
    path("services/<slug:slug>/already-reported/", possible_duplicates, name="possible-duplicates"),
    path("reports/<str:reference>/", report, name="report"),
    path("cases/<str:reference>/sent/", views.confirmation, name="confirmation"),
    path("cases/<str:reference>/", tracking.case_detail, name="case"),
    path("cases/<str:reference>/withdraw/", tracking.withdraw, name="withdraw"),
    path("cases/<str:reference>/answers/<int:request_id>/", tracking.respond, name="respond"),
    path(
        "cases/<str:reference>/files/<int:attachment_id>/", tracking.attachment, name="attachment"
    ),
    path("track/", tracking.track, name="track"),
    path("help/", help_page, name="help"),
    path("link/<str:token>/", messages_links.case_link, name="case-link"),
    path("notifications/<str:token>/", messages_links.preferences, name="notification-preferences"),
    path("transparency/ledger", transparency.ledger_page, name="transparency-ledger"),
    path("account/cases/", account.my_cases, name="my-cases"),
    path("account/create/", account.signup, name="signup"),
    path(
        "account/sign-in/",
        auth_views.LoginView.as_view(
            template_name="portal/signin.html",
            authentication_form=SignInForm,
            extra_context={"heading": _("Sign in"), "button": _("Sign in")},
        ),
        name="signin",
    ),
    path("account/sign-out/", auth_views.LogoutView.as_view(), name="signout"),
    path(
        "account/password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="portal/simple_form.html",
            form_class=ResetForm,
            success_url=reverse_lazy("portal:password-reset-sent"),
            email_template_name="portal/password_reset_email.txt",
            subject_template_name="portal/password_reset_subject.txt",
            extra_context={"heading": _("Reset your password"), "button": _("Send me a link")},
        ),
        name="password-reset",
    ),
    path(
        "account/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            **_message(
                _("Check your email"),
                _(
                    "If that address has an account, we have sent it a link to choose a new "
                    "password."
                ),
            )
        ),
        name="password-reset-sent",
    ),
    path(
        "account/password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="portal/simple_form.html",
            form_class=NewPasswordForm,
            success_url=reverse_lazy("portal:password-reset-done"),
            extra_context={"heading": _("Choose a new password"), "button": _("Save password")},
        ),
        name="password-reset-confirm",
    ),
    path(
        "account/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            **_message(_("Password changed"), _("You can now sign in with your new password."))
        ),
        name="password-reset-done",
    ),
]

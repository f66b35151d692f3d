"""Resident accounts: sign up, my cases and drafts; and the page shown when rate limited."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from publica.accounts.roles import Role
from publica.accounts.services import user_create
from publica.cases import selectors as cases
from publica.core.actors import SystemActor
from publica.core.errors import InvalidInput
from publica.portal.forms import SignUpForm
from publica.portal.models import Draft
from publica.portal.views import signed_in_resident as _resident


def my_cases(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('portal:signin')}?next={request.path}")
    if not _resident(request):
        return redirect("staff:queue")
    return render(
        request,
        "portal/my_cases.html",
        {
            "cases": cases.case_list(actor=request.user).select_related("service_version"),  # type: ignore[arg-type]
            "drafts": Draft.objects.filter(owner_id=request.user.pk).select_related("service"),
        },
    )


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_create(
                username=data["username"],
                role=Role.RESIDENT,
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                actor=SystemActor("sign-up"),
            )
        except InvalidInput as exc:
            for error in exc.errors:
                form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is ready."))
            return redirect("portal:my-cases")
    context = {"form": form, "heading": _("Create an account"), "button": _("Create account")}
    return render(request, "portal/simple_form.html", context)


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(
        request,
        "portal/message.html",
        {
            "heading": _("Too many attempts"),
            "text": _("You have tried too many times. Wait an hour and try again."),
        },
        status=429,
    )

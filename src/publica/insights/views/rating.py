"""The one question a resident is asked when their case closes. No sign-in: the signed link
(from the closing email or their case page) is the permission, and it works once."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from publica.cases.models import Case
from publica.core.actors import Actor
from publica.core.errors import InvalidInput
from publica.insights.selectors.ratings import rating_case, rating_offered
from publica.insights.services.ratings import rating_path, rating_record


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    try:
        case = rating_case(token=token)
    except InvalidInput:
        return _message(
            request,
            _("This link does not work"),
            _("The link to rate your case is not valid or has expired."),
            status=404,
        )
    if request.method == "POST":
        score = request.POST.get("score", "")
        try:
            rating_record(token=token, score=score, actor=_actor(request))
        except InvalidInput as exc:
            field_errors = {error.field: error.message for error in exc.errors}
            if "score" in field_errors:
                return question_page(request, case, error=_("Choose how satisfied you are"),
                                     chosen=score, status=400)  # fmt: skip
            return _not_offered(request, case, status=409)
        return _message(
            request,
            _("Thank you for your feedback"),
            _("Your answer helps us improve our services. It is kept without your name."),
        )
    if not rating_offered(case):
        return _not_offered(request, case, status=200)
    return question_page(request, case)


def question_page(
    request: HttpRequest, case: Case, *, error: str = "", chosen: str = "", status: int = 200
) -> HttpResponse:
    context = {
        # what insights/_rate_question.html needs (the portal's case page passes the same)
        "rate_action": rating_path(case),
        "rate_service": case.service.title,
        "rate_error": error,
        "rate_chosen": chosen,
        "errors": [{"href": "#score", "message": error}] if error else [],
        "form_has_errors": bool(error),
    }
    return render(request, "insights/rate.html", context, status=status)


def _not_offered(request: HttpRequest, case: Case, *, status: int) -> HttpResponse:
    if case.is_open:
        return _message(
            request,
            _("Your case is not finished yet"),
            _("You can tell us how we did once your case is finished."),
            status=status,
        )
    return _message(
        request,
        _("You have already told us how we did"),
        _("We ask once for each case. Thank you for your feedback."),
        status=status,
    )


def _message(request: HttpRequest, heading: str, text: str, *, status: int = 200) -> HttpResponse:
    return render(request, "portal/message.html", {"heading": heading, "text": text}, status=status)


def _actor(request: HttpRequest) -> Actor | None:
    return request.user if request.user.is_authenticated else None  # type: ignore[return-value]

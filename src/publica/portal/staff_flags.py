"""The back office's review flags: applications a check asked a person to look at, with the
reasons, and clearing or confirming each. Staff see their own department's flags."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from publica.accounts.models import User
from publica.assistant.models import ReviewFlag
from publica.assistant.selectors.flags import review_flag_get, review_flag_list
from publica.assistant.services.flags import flag_review_clear, flag_review_confirm
from publica.cases import permissions
from publica.core.errors import InvalidInput, NotFound, PermissionDenied, PublicaError
from publica.portal.staff import staff_required


@staff_required
def flag_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@staff_required
def flag_action(request: HttpRequest, flag_id: int, action: str) -> HttpResponse:
    """Clear (nothing wrong) or confirm (acted on) one flag, with a note for the timeline."""
    actor: User = request.user  # type: ignore[assignment]
    try:
        flag = review_flag_get(flag_id=flag_id, actor=actor)
    except NotFound:
        raise Http404 from None
    note = request.POST.get("note", "")
    try:
        if action == "clear":
            flag_review_clear(flag=flag, actor=actor, note=note)
            done = _("Flag cleared on %(reference)s.")
        elif action == "confirm":
            flag_review_confirm(flag=flag, actor=actor, note=note)
            done = _("Flag confirmed on %(reference)s.")
        else:
            raise Http404
    except InvalidInput as exc:
        errors = [
            {"href": f"#{'note' if e.field == 'note' else 'flag'}-{flag.pk}", "message": e.message}
            for e in exc.errors
        ]
        return _page(request, errors=errors, failed=flag.pk, note=note, status=400)
    except PermissionDenied:
        return render(
            request,
            "portal/message.html",
            {
                "heading": _("You cannot review this flag"),
                "text": _("Caseworkers and supervisors of the case's department review flags."),
            },
            status=403,
        )
    messages.success(request, done % {"reference": flag.case.reference})
    return redirect("staff:review-flags")


def _page(
    request: HttpRequest,
    *,
    errors: list[dict[str, str]] | None = None,
    failed: int | None = None,
    note: str = "",
    status: int = 200,
) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    state = request.GET.get("state", "")
    state = state if state in ReviewFlag.State.values else ReviewFlag.State.OPEN
    page = Paginator(review_flag_list(actor=actor, state=state), 50).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "flag": flag,
            "may_act": flag.state == ReviewFlag.State.OPEN and _may_act(actor, flag),
            "note": note if flag.pk == failed else "",
            "error": next((e["message"] for e in errors or [] if flag.pk == failed), ""),
        }
        for flag in page
    ]
    context: dict[str, Any] = {
        "page": page,
        "rows": rows,
        "state": state,
        "states": ReviewFlag.State.choices,
        "errors": errors or [],
    }
    return render(request, "staff/review_flags.html", context, status=status)


def _may_act(actor: User, flag: ReviewFlag) -> bool:
    try:
        permissions.require_staff(actor, flag.case)
    except PublicaError:
        return False
    return True


#: Included by staff_urls.py at /staff/review-flags/.
urlpatterns = [
    path("", flag_list, name="review-flags"),
    path("<int:flag_id>/<slug:action>/", flag_action, name="review-flag-action"),
]

"""Merging a duplicate report into the report it repeats, from the staff case page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from publica.accounts.models import User
from publica.assistant.services.duplicates import duplicates_for_case
from publica.cases import selectors as cases
from publica.cases.models import Case
from publica.cases.services import case_merge
from publica.core.errors import FieldError, InvalidInput, NotFound, PublicaError, plain_message
from publica.portal.staff import staff_required

__all__ = ["merge"]


@require_http_methods(["GET", "POST"])
@staff_required
def merge(request: HttpRequest, reference: str) -> HttpResponse:
    """The likely duplicates of this case, and merging it into one of them (or any report
    given by its reference): the case is closed as a duplicate and its reporter follows the
    other report."""
    actor: User = request.user  # type: ignore[assignment]
    case = _case(reference, actor)
    errors: list[FieldError] = []
    posted = request.POST.get("parent") or request.POST.get("other") or ""
    parent_reference = posted.strip().upper()
    reason = request.POST.get("reason", "")
    if request.method == "POST":
        try:
            if not parent_reference:
                raise InvalidInput([FieldError("parent", _("Choose the report this repeats"))])
            try:
                parent = cases.case_get(reference=parent_reference, actor=actor)
            except NotFound:
                missing = _("No report %(ref)s that you may see") % {"ref": parent_reference}
                raise InvalidInput([FieldError("parent", missing)]) from None
            case_merge(child=case, parent=parent, actor=actor, reason=reason)
        except InvalidInput as exc:
            errors = exc.errors
        except PublicaError as exc:
            errors = [FieldError("parent", plain_message(exc))]
        else:
            messages.success(
                request, _("Merged into %(ref)s. Its reporter now follows that report.")
                % {"ref": parent.reference},
            )  # fmt: skip
            return redirect("staff:case", reference=case.reference)
    closable = case.is_open and _can_close_as_duplicate(case)
    candidates = duplicates_for_case(case=case, actor=actor) if closable else []
    return render(
        request,
        "staff/merge.html",
        {
            "case": case,
            "closable": closable,
            "candidates": candidates,
            "parent": parent_reference,
            "reason": reason,
            "errors": [{"href": f"#{e.field}", "message": e.message} for e in errors],
            "form_has_errors": bool(errors),
            "error_for": {e.field: e.message for e in errors},
        },
    )


def _case(reference: str, actor: User) -> Case:
    try:
        return cases.case_get(reference=reference, actor=actor)
    except NotFound:
        raise Http404 from None


def _can_close_as_duplicate(case: Case) -> bool:
    """Whether the workflow has the step a merge takes (`case_merge` checks it again)."""
    duplicates = case.service_version.definition.get("duplicates") or {}
    target = duplicates.get("close_as", "duplicate")
    return (case.state, target) in case.service_version.workflow.steps

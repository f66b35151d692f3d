"""/staff/questions/: the help questions the assistant could not answer, newest first, so staff
can improve the catalogue (a keyword, a synonym, a new service) and mark each as dealt with."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from publica.assistant.models import Question
from publica.assistant.selectors.help import question_unanswered_list
from publica.assistant.services.help import question_mark_reviewed
from publica.core.errors import PermissionDenied
from publica.portal.staff import staff_required

PAGE_SIZE = 50


@staff_required
def unanswered(request: HttpRequest) -> HttpResponse:
    page = Paginator(question_unanswered_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "staff/questions.html", {"page": page})


@staff_required
@require_POST
def mark_reviewed(request: HttpRequest, question_id: int) -> HttpResponse:
    question = Question.objects.filter(pk=question_id).first()
    if question is None:
        raise Http404
    try:
        question_mark_reviewed(question=question, actor=request.user)  # type: ignore[arg-type]
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Marked as dealt with."))
    return redirect("staff:questions")

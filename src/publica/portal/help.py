"""/help: a resident describes their problem in their own words and is taken to the right
service, with the facts they need, or told plainly that we do not know and who to ask."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from publica.accounts.apikeys import RateLimited
from publica.assistant.models import Question
from publica.assistant.services.help import (
    MAX_QUESTION,
    assistant_ask,
    assistant_index,
    assistant_rate_check,
)
from publica.catalogue.selectors import service_list
from publica.core.errors import InvalidInput


def help_page(request: HttpRequest) -> HttpResponse:
    """A GET form, so it works without JavaScript and an answer can be bookmarked or shared."""
    asked = "q" in request.GET
    question = request.GET.get("q", "")
    context: dict[str, object] = {"question": question[: MAX_QUESTION * 2], "max": MAX_QUESTION}
    status = 200
    if asked:
        try:
            assistant_rate_check(address=request.META.get("REMOTE_ADDR", ""))
            user = request.user if request.user.is_authenticated else None
            answer = assistant_ask(question, channel=Question.Channel.PORTAL, actor=user)  # type: ignore[arg-type]
        except InvalidInput as exc:
            context["errors"] = [{"href": "#q", "message": e.message} for e in exc.errors]
            context["form_has_errors"] = True
            status = 400
        except RateLimited:
            message = _("You have asked a lot of questions. Try again in a minute.")
            context["errors"] = [{"href": "#q", "message": message}]
            context["form_has_errors"] = True
            status = 429
        else:
            context["answer"] = answer
            if not answer.answered:
                context["services"] = list(service_list().filter(slug__in=_offered()))
    return render(request, "portal/help.html", context, status=status)


def _offered() -> list[str]:
    """Services residents may be offered (never the internal ones)."""
    _, catalogue = assistant_index()
    return list(catalogue)

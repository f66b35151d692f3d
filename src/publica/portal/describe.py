"""The "describe the problem" step: a resident says what is wrong in their own words and is
offered the services it most likely belongs to, best first. Works without JavaScript."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from publica.assistant.services.triage import triage_suggest
from publica.catalogue.models import Service
from publica.catalogue.selectors import service_list

#: As long as a report's description may be; more says nothing more about which service.
MAX_PROBLEM = 2000
#: Below this, the suggestions are offered as guesses beside the full list of reports.
SURE = 0.5


@require_http_methods(["GET", "POST"])
def describe(request: HttpRequest) -> HttpResponse:
    # POST, not GET: what residents write may name people or homes, and must not end up in
    # URLs, browser history or access logs.
    problem, errors, suggestions = "", [], []
    if request.method == "POST":
        problem = (request.POST.get("problem") or "").strip()
        if not problem:
            errors.append({"href": "#problem", "message": _("Describe the problem")})
        elif len(problem) > MAX_PROBLEM:
            message = _("The description must be %(limit)s characters or fewer")
            errors.append({"href": "#problem", "message": message % {"limit": MAX_PROBLEM}})
        else:
            suggestions = triage_suggest(text=problem)
    return render(
        request,
        "portal/describe.html",
        {
            "problem": problem,
            "errors": errors,
            "suggestions": suggestions,
            "sure": bool(suggestions) and suggestions[0].confidence >= SURE,
            "asked": request.method == "POST" and not errors,
            "reports": [s for s in service_list() if s.kind == Service.Kind.REPORT],
            "max_problem": MAX_PROBLEM,
        },
        status=400 if errors else 200,
    )

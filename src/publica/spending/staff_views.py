"""The back office's spending pages: importing budget and spend files (admins), and managing
public projects, their milestones and status updates (admins, and supervisors for their own
department). Each page parses the form, calls one service and renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from publica.accounts.models import Department, User
from publica.accounts.roles import Role
from publica.core.errors import FieldError, InvalidInput, NotFound, PermissionDenied
from publica.portal.staff import staff_required
from publica.spending import selectors, services
from publica.spending.models import ImportKind, Milestone, Project, ProjectStatus

#: The largest file the import page takes (a year of payments is far smaller).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Errors listed in the page's error summary; the table below lists all of them.
SUMMARY_ERRORS = 10
MILESTONE_FIELDS = ("title", "due_date", "weight")
UPDATE_FIELDS = ("text", "status")


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """Recent imports, and the projects with what this person may do to each."""
    actor: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "spending/staff/home.html",
        {
            "imports": selectors.import_list()[:20],
            "may_import": actor.role == Role.ADMIN,
            "may_create": actor.role in (Role.ADMIN, Role.SUPERVISOR),
            "projects": [
                {"summary": s, "may_manage": services.may_manage(actor, s.project.department)}
                for s in selectors.project_summaries()
            ],
        },
    )


# Imports


@require_http_methods(["GET", "POST"])
@staff_required
def import_file(request: HttpRequest, kind: str) -> HttpResponse:
    """Upload a budget or spend CSV; every problem is listed with its row and column, and
    nothing is imported unless there are none."""
    actor: User = request.user  # type: ignore[assignment]
    if kind not in ImportKind.values:
        raise Http404
    if actor.role != Role.ADMIN:
        return _not_allowed(request, _("Only admins import budgets and spending."))
    problems: list[FieldError] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput([FieldError("file", _("Choose a CSV file to upload"))])
            if upload.size and upload.size > MAX_UPLOAD_BYTES:
                raise InvalidInput([FieldError("file", _("The file must be smaller than 20 MB"))])
            importer = (
                services.budget_import if kind == ImportKind.BUDGET else services.spend_import
            )
            result = importer(
                data=upload.read(), file_name=upload.name or "upload.csv", actor=actor
            )
        except InvalidInput as exc:
            problems = exc.errors
        else:
            messages.success(request, _imported_text(result))
            return redirect("spending_staff:home")
    return render(
        request,
        "spending/staff/import.html",
        {"kind": kind, "kind_label": ImportKind(kind).label, **_import_errors(problems)},
    )


def _import_errors(problems: list[FieldError]) -> dict[str, Any]:
    """The error summary (the first few problems, then how many more) and every problem for
    the table, each numbered so the summary links to its row of the table."""
    listed = [
        {"id": f"problem-{n}", "row": p.line, "column": p.field, "message": p.message}
        for n, p in enumerate(problems, start=1)
    ]
    summary = [
        {"href": f"#{item['id']}", "message": _where(item) + str(item["message"])}
        for item in listed[:SUMMARY_ERRORS]
    ]
    if len(listed) > SUMMARY_ERRORS:
        more = len(listed) - SUMMARY_ERRORS
        summary.append(
            {
                "href": "#problems",
                "message": _("… and %(count)d more, listed below") % {"count": more},
            }
        )
    file_error = ""
    if problems:
        file_error = _("Nothing was imported. Fix the problems listed and upload the file again.")
    return {
        "problems": listed,
        "error_list": summary,
        "form_has_errors": bool(summary),
        "file_error": file_error,
    }


def _where(item: dict[str, Any]) -> str:
    if item["row"] is None:
        return ""
    if item["column"] in ("row", "header", "file"):
        return _("Row %(row)s: ") % {"row": item["row"]}
    return _("Row %(row)s, column %(column)s: ") % item


def _imported_text(result: services.ImportResult) -> str:
    record = result.record
    text = _("Imported %(count)d rows from %(file)s.") % {
        "count": record.row_count,
        "file": record.file_name,
    }
    if record.kind == ImportKind.BUDGET:
        text += " " + _("It replaced %(count)d budget lines of the same years.") % {
            "count": result.replaced
        }
    return text


# Projects


@require_http_methods(["GET", "POST"])
@staff_required
def project_new(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    if actor.role not in (Role.ADMIN, Role.SUPERVISOR):
        return _not_allowed(request, _("Only admins and supervisors manage projects."))
    values = _project_values(request.POST) if request.method == "POST" else _blank_project(actor)
    errors: list[FieldError] = []
    if request.method == "POST":
        try:
            project = services.project_create(
                slug=values["slug"], **_project_arguments(values), actor=actor
            )
        except InvalidInput as exc:
            errors = exc.errors
        except PermissionDenied:
            errors = [FieldError("department", _("Choose your own department"))]
        else:
            messages.success(request, _("Project created. Add its milestones."))
            return redirect("spending_staff:project", slug=project.slug)
    return _project_form(request, actor, values, errors, None)


@require_http_methods(["GET", "POST"])
@staff_required
def project_edit(request: HttpRequest, slug: str) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    project = _managed_project(actor, slug)
    if project is None:
        return _not_allowed(request, _("Only admins and the department's supervisor manage it."))
    values = _project_values(request.POST) if request.method == "POST" else _current(project)
    errors: list[FieldError] = []
    if request.method == "POST":
        try:
            services.project_change(project=project, **_project_arguments(values), actor=actor)
        except InvalidInput as exc:
            errors = exc.errors
        except PermissionDenied:
            errors = [FieldError("department", _("Choose your own department"))]
        else:
            messages.success(request, _("Project saved."))
            return redirect("spending_staff:project", slug=project.slug)
    return _project_form(request, actor, values, errors, project)


@require_http_methods(["GET", "POST"])
@staff_required
def project_manage(request: HttpRequest, slug: str) -> HttpResponse:
    """The project with its milestones and updates, and the forms to add to them."""
    actor: User = request.user  # type: ignore[assignment]
    project = _managed_project(actor, slug)
    if project is None:
        return _not_allowed(request, _("Only admins and the department's supervisor manage it."))
    action = request.POST.get("action", "")
    milestone = {"title": "", "due_date": "", "weight": "1"}
    update = {"text": "", "status": project.status}
    errors: dict[str, str] = {}
    order: tuple[str, ...] = ()
    if request.method == "POST":
        try:
            if action == "milestone":
                milestone = {name: request.POST.get(name, "")[:2000] for name in MILESTONE_FIELDS}
                order = tuple(f"milestone_{name}" for name in MILESTONE_FIELDS)
                services.milestone_add(project=project, **milestone, actor=actor)
                messages.success(request, _("Milestone added."))
            elif action == "update":
                update = {name: request.POST.get(name, "")[:2000] for name in UPDATE_FIELDS}
                order = tuple(f"update_{name}" for name in UPDATE_FIELDS)
                services.status_update_post(
                    project=project, text=update["text"], status=update["status"], actor=actor
                )
                messages.success(request, _("Update published."))
            else:
                raise Http404
        except InvalidInput as exc:
            prefix = "milestone" if action == "milestone" else "update"
            for error in exc.errors:
                errors.setdefault(f"{prefix}_{error.field}", error.message)
        else:
            return redirect("spending_staff:project", slug=project.slug)
    summary = selectors.project_get(slug=project.slug)
    # The inputs' ids are the keys with a hyphen after the form's name: milestone-due_date.
    error_list = [{"href": "#" + key.replace("_", "-", 1), "message": errors[key]}
                  for key in order if key in errors]  # fmt: skip
    return render(
        request,
        "spending/staff/project.html",
        {
            "summary": summary,
            "project": summary.project,
            "milestone": milestone,
            "update": update,
            "errors": errors,
            "error_list": error_list,
            "form_has_errors": bool(error_list),
            "statuses": ProjectStatus.choices,
        },
    )


@require_POST
@staff_required
def milestone_mark(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    """Mark a milestone done, or not done after all."""
    actor: User = request.user  # type: ignore[assignment]
    project = _managed_project(actor, slug)
    if project is None:
        return _not_allowed(request, _("Only admins and the department's supervisor manage it."))
    milestone = get_object_or_404(Milestone, pk=pk, project=project)
    if action == "complete":
        services.milestone_complete(milestone=milestone, actor=actor)
        messages.success(request, _("Milestone marked done."))
    elif action == "reopen":
        services.milestone_reopen(milestone=milestone, actor=actor)
        messages.success(request, _("Milestone marked not done."))
    else:
        raise Http404
    return redirect("spending_staff:project", slug=project.slug)


def _project_form(
    request: HttpRequest,
    actor: User,
    values: dict[str, str],
    errors: list[FieldError],
    project: Project | None,
) -> HttpResponse:
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(error.field, error.message)
    order = services.PROJECT_FIELDS
    summary = [{"href": f"#{name}", "message": found[name]} for name in order if name in found]
    departments = Department.objects.all()
    if actor.role != Role.ADMIN:
        departments = departments.filter(staff=actor)
    return render(
        request,
        "spending/staff/project_form.html",
        {
            "project": project,
            "values": values,
            "errors": found,
            "error_list": summary,
            "form_has_errors": bool(summary),
            "departments": departments,
            "statuses": ProjectStatus.choices,
        },
    )


def _project_values(post: QueryDict) -> dict[str, str]:
    return {name: post.get(name, "").strip()[:2000] for name in services.PROJECT_FIELDS}


def _blank_project(actor: User) -> dict[str, str]:
    values = dict.fromkeys(services.PROJECT_FIELDS, "")
    values["status"] = ProjectStatus.PLANNED
    values["department"] = actor.department.slug if actor.department else ""
    return values


def _current(project: Project) -> dict[str, str]:
    values = {name: "" if getattr(project, name, None) is None else str(getattr(project, name))
              for name in services.PROJECT_FIELDS if name != "department"}  # fmt: skip
    values["department"] = project.department.slug
    return values


def _project_arguments(values: dict[str, str]) -> dict[str, Any]:
    department = Department.objects.filter(slug=values["department"]).first()
    arguments: dict[str, Any] = {name: values[name] for name in services.PROJECT_FIELDS}
    del arguments["slug"]
    arguments["department"] = department
    return arguments


def _managed_project(actor: User, slug: str) -> Project | None:
    """The project, or None when this person may not manage it; 404 when there is none."""
    try:
        project = selectors.project_get(slug=slug).project
    except NotFound:
        raise Http404 from None
    return project if services.may_manage(actor, project.department) else None


def _not_allowed(request: HttpRequest, text: str) -> HttpResponse:
    return render(
        request,
        "portal/message.html",
        {"heading": _("You cannot do this"), "text": text},
        status=403,
    )

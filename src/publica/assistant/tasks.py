"""Background tasks of the assistant (Django's tasks API, run by `publica worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def duplicates_note_task(case_id: int) -> bool:
    """Tell staff which open reports a report sent over Open311 may duplicate. A task, so
    that the comparison (a few milliseconds, more at a busy spot) is not the client's wait."""
    from publica.assistant.services.duplicates import duplicates_note
    from publica.cases.models import Case

    case = Case.objects.filter(pk=case_id).first()
    return case is not None and duplicates_note(case=case) is not None

from django.urls import include, path

from publica.portal import staff, staff_questions, staff_security, staff_triage
from publica.portal.staff_flags import urlpatterns as review_flag_urls
from publica.portal.staff_merge import merge

app_name = "staff"

urlpatterns = [
    path("", staff.queue, name="queue"),
    path("sign-in/", staff.SignInView.as_view(), name="signin"),
    path("verify/", staff.verify, name="verify"),
    path("two-factor/", staff.enrol, name="enrol"),
    path("security/", staff_security.security, name="security"),
    path("security/passkeys/", staff_security.passkey_add, name="passkey-add"),
    path(
        "security/passkeys/<int:passkey_id>/remove/",
        staff_security.passkey_delete,
        name="passkey-remove",
    ),
    path("bulk/", staff.bulk, name="bulk"),
    path("questions/", staff_questions.unanswered, name="questions"),
    path(
        "questions/<int:question_id>/reviewed/",
        staff_questions.mark_reviewed,
        name="question-reviewed",
    ),
    path("triage/", include(staff_triage.urlpatterns)),
    path("review-flags/", include(review_flag_urls)),
    path("cases/<str:reference>/", staff.case_page, name="case"),
    path("cases/<str:reference>/files/<int:attachment_id>/", staff.attachment, name="attachment"),
    path("cases/<str:reference>/merge/", merge, name="merge"),
    path("cases/<str:reference>/<slug:action>/", staff.case_action, name="case-action"),
]

from django.urls import path

from publica.portal import staff

app_name = "staff"

urlpatterns = [
    path("", staff.queue, name="queue"),
    path("sign-in/", staff.SignInView.as_view(), name="signin"),
    path("verify/", staff.verify, name="verify"),
    path("two-factor/", staff.enrol, name="enrol"),
    path("bulk/", staff.bulk, name="bulk"),
    path("cases/<str:reference>/", staff.case_page, name="case"),
    path("cases/<str:reference>/files/<int:attachment_id>/", staff.attachment, name="attachment"),
    path("cases/<str:reference>/<slug:action>/", staff.case_action, name="case-action"),
]

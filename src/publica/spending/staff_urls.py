"""The back office's spending pages, at /staff/spending/."""

from django.urls import path

from publica.spending import staff_views

app_name = "spending_staff"

urlpatterns = [
    path("", staff_views.home, name="home"),
    path("import/<str:kind>/", staff_views.import_file, name="import"),
    path("projects/new/", staff_views.project_new, name="project-new"),
    path("projects/<slug:slug>/", staff_views.project_manage, name="project"),
    path("projects/<slug:slug>/edit/", staff_views.project_edit, name="project-edit"),
    path(
        "projects/<slug:slug>/milestones/<int:pk>/<str:action>/",
        staff_views.milestone_mark,
        name="milestone",
    ),
]

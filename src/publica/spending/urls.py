"""Public pages of budgets, spending and projects, at /opendata/ (open to everyone)."""

from django.urls import path

from publica.spending import views

app_name = "spending"

urlpatterns = [
    path("budget/", views.budget, name="budget"),
    path("spending/", views.spending, name="spending"),
    path("projects/", views.project_list, name="projects"),
    path("projects/<slug:slug>/", views.project_page, name="project"),
]

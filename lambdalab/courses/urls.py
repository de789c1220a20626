from __future__ import annotations

from django.urls import path

from lambdalab.courses import views, views_grades

urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("new/", views.course_create, name="course_create"),
    path("join/", views.course_join, name="course_join"),
    path("notices/seen/", views.notices_seen, name="notices_seen"),
    path("join/<uuid:token>/", views.course_join_link, name="course_join_link"),
    path("<int:course_id>/", views.course_detail, name="course_detail"),
    path("<int:course_id>/settings/", views.course_edit, name="course_edit"),
    path("<int:course_id>/code/", views.course_code_rotate, name="course_code_rotate"),
    path("<int:course_id>/instructors/", views.instructor_add, name="course_instructor_add"),
    path(
        "<int:course_id>/instructors/<int:user_id>/remove/",
        views.instructor_remove,
        name="course_instructor_remove",
    ),
    path("<int:course_id>/leave/", views.course_leave, name="course_leave"),
    path("<int:course_id>/assignments/", views.assignment_add, name="assignment_add"),
    path(
        "<int:course_id>/assignments/<int:assignment_id>/remove/",
        views.assignment_remove,
        name="assignment_remove",
    ),
    path("<int:course_id>/gradebook/", views_grades.gradebook, name="gradebook"),
    path(
        "<int:course_id>/students/<int:user_id>/",
        views_grades.student_detail,
        name="gradebook_student",
    ),
    path(
        "<int:course_id>/submissions/<int:submission_id>/",
        views_grades.submission_detail,
        name="gradebook_submission",
    ),
    path(
        "<int:course_id>/assignments/<int:assignment_id>/analytics/",
        views_grades.analytics,
        name="assignment_analytics",
    ),
    path(
        "<int:course_id>/assignments/<int:assignment_id>/regrade/",
        views_grades.regrade_start,
        name="regrade_start",
    ),
    path(
        "<int:course_id>/regrades/<int:regrade_id>/",
        views_grades.regrade_detail,
        name="regrade_detail",
    ),
    path(
        "<int:course_id>/regrades/<int:regrade_id>/apply/",
        views_grades.regrade_apply,
        name="regrade_apply",
    ),
    path(
        "<int:course_id>/regrades/<int:regrade_id>/discard/",
        views_grades.regrade_discard,
        name="regrade_discard",
    ),
    path(
        "<int:course_id>/regrades/<int:regrade_id>/resume/",
        views_grades.regrade_resume,
        name="regrade_resume",
    ),
]

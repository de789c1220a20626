"""Courses, the gradebook and shadow regrades (instructors' side of LambdaLab).

Services (`lambdalab.courses.services`): course_create, course_update, course_lessons_set,
course_code_rotate, course_join(user, code= | token=), course_leave, instructor_add,
instructor_remove, assignment_set(course, exercise, due_at, points, accept_late),
assignment_remove. Errors users should read are `CourseError(message)`.

Selectors (`lambdalab.courses.selectors`): courses_taught, courses_joined,
course_for_instructor / course_for_member (404 for anyone else), course_students,
course_assignments, course_submission, regrade_get, notices_unseen.

Gradebook (`lambdalab.courses.gradebook`): gradebook(course, query, status, assignment_id) →
(assignments, rows of cells: best points after the late policy, attempts, late), gradebook_csv,
student_row, student_submissions, exercise_analytics (pass rate, score buckets, error types,
median attempts, median minutes to pass).

Regrades (`lambdalab.courses.regrades`): regrade_start(course, exercise, requested_by) creates one
RegradeItem per finished submission graded against an older version and enqueues
`courses.regrade_item` on the `batch` queue; regrade_item_grade (atomic claim, retried, never
writes the submission); regrade_progress, regrade_diff, regrade_apply (writes scores, records the
new version, creates ScoreNotice rows), regrade_discard, regrade_resume, notices_mark_seen.
"""

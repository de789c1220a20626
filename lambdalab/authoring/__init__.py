"""Authoring in the browser: lesson and exercise drafts, validated on save, published through
the catalog's own services.

Services (`lambdalab.authoring.services`): exercise_draft_create / _from_published / _save
(format check with file:line problems, then `authoring.validate_exercise_draft` on the
`interactive` queue), exercise_draft_validate (atomic claim; the real runtime), and
exercise_draft_publish (refused unless the current files passed; a changed folder makes a new
ExerciseVersion and the lesson references the exercise); lesson_draft_create / _from_published /
_save / _publish, lesson_quiz_append, lesson_preview_html. `AuthoringError(message)`.

Transfer (`lambdalab.authoring.transfer`): lesson_export_zip (the folder, byte for byte) and
lesson_import (a zip of one lesson folder; exercises become drafts to validate, a new lesson stays
hidden until they are published). Folder mapping (`lambdalab.authoring.folder`, plain Python):
parts_from_files / files_from_parts.
"""

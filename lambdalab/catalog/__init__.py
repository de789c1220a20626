"""The curriculum: lessons, quizzes and graded exercises (format: lessons/README.md).

Pure Python (no Django imports; usable from workers, CLIs and tests):

    from lambdalab.catalog.content import load_catalog, parse_catalog, ContentError
    catalog = load_catalog("lessons")            # raises ContentError (every problem, file:line)
    exercise = catalog.exercise("first-handler") # content.Exercise: tests, checks, files, config

    from lambdalab.catalog.grading import grade_exercise
    result = grade_exercise(exercise, {"lambda_function.py": src}, runtime=Runtime(),
                            owner="user-42", config_overrides={"memory": 256})
    result.to_dict()          # versioned results document ("version": 1), hidden tests in full
    result.to_learner_dict()  # the same with hidden tests redacted
    # status: passed | failed | error (error.kind: config | infrastructure)
    redact_for_learner(stored_document)   # a stored to_dict() as the learner may see it
    # contract: lambdalab.catalog.results_schema.RESULTS_V1 (JSON Schema)

    from lambdalab.catalog.validate import catalog_validate, validation_table
    from lambdalab.catalog.render import render_lesson_html, render_markdown

Django side: models (Lesson, LessonFile, Quiz, Exercise, ExerciseVersion), services
(catalog_sync, lesson_publish, exercise_publish, catalog_export, catalog_files), selectors
(lesson_list, lesson_get, lesson_quizzes, quiz_get, exercise_get, exercise_version_current,
exercise_versions), and `manage.py sync_lessons [--validate] [--only SLUG] [--dry-run]
[--path DIR]` / `manage.py export_lessons DIR`. `ExerciseVersion.content()` gives the
content.Exercise to grade with; `Lesson.content()` the content.Lesson to render.
"""

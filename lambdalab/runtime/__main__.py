"""`python -m lambdalab.runtime --code PATH --handler H ...` (same as `manage.py invoke`)."""

from __future__ import annotations

import sys

from lambdalab.runtime.cli import main

sys.exit(main())

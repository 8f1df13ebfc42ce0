"""What every benchmark script does before it imports Django: put the repository root on
the import path and default to production-like settings (no DEBUG, so no query logging
nor debug templates, while measuring)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production_like():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portail.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("SESSION_COOKIE_SECURE", "false")

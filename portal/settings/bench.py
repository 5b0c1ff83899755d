"""Production settings plus a bare view for the load benchmark to compare pages with.

Only ``manage.py bench_load`` uses this module (it starts gunicorn with it); no deployment
does, so the bare view is never reachable on a real site.
"""

from .production import *  # noqa: F403

ROOT_URLCONF = "portal.bench_urls"

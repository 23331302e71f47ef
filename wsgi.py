"""Entry point for gunicorn and `flask`: `app = create_app()`, its instance folder `INSTANCE_PATH`
(absolute; unset: `instance/` beside the code)."""
import os

from app import create_app

app = create_app(instance_path=os.environ.get("INSTANCE_PATH") or None)

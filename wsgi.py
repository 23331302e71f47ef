"""Entry point for gunicorn and `flask`: `app = create_app()`, its instance folder `INSTANCE_PATH`
(absolute; unset: `instance/` beside the code)."""
import gc
import os

from app import create_app

app = create_app(instance_path=os.environ.get("INSTANCE_PATH") or None)
# the application's own objects live as long as the process: taken out of the collector's view,
# they no longer make each full collection (which a 1,000-record batch sets off) walk them all
gc.freeze()

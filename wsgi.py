"""Entry point for gunicorn and `flask`: `app = create_app()`, its instance folder `INSTANCE_PATH`
(absolute; unset: `instance/` beside the code)."""
import gc

# importing and building the app makes some 260,000 objects that live as long as the process,
# and hardly any garbage: the collector, set off every 700 allocations, would only walk them
# over and over (0.18 s of the `flask` command's 0.8 s start-up)
gc.disable()
import os  # noqa: E402

from app import create_app  # noqa: E402

app = create_app(instance_path=os.environ.get("INSTANCE_PATH") or None)
# the application's own objects live as long as the process: taken out of the collector's view,
# they no longer make each full collection (which a 1,000-record batch sets off) walk them all.
# The few cycles left over from building it (some 2,600 objects) are frozen with them.
gc.freeze()
gc.enable()

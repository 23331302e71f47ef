"""What the records domain announces to the domains above it (connected in `create_app`)."""
from blinker import Namespace

_signals = Namespace()

#: sender: the set of person ids whose records were added, corrected or revoked; `actor`.
#: Sent inside the writing transaction, after the persons were locked.
records_changed = _signals.signal("records-changed")

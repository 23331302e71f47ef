"""What residents' accounts announce to the domains above them (connected in `create_app`)."""
from blinker import Namespace

_signals = Namespace()

#: sender: the person id; `actor`. The person agreed to be scored (at registration or later).
consent_given = _signals.signal("consent-given")
#: sender: the person id. The account was closed: its score and history must go.
account_closed = _signals.signal("account-closed")

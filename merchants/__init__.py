"""信易+ merchant kit: verify residents' credit codes against the platform, or offline.

A separate deployable: it imports nothing from the platform's `app/` package.

    from merchants import VerificationClient, OfflineVerifier
    client = VerificationClient("https://credit.example.gov.cn", api_key="mk_...")
    answer = client.verify(token, "powerbank_deposit_free")   # retried safely with one Idempotency-Key
    OfflineVerifier.from_url("https://credit.example.gov.cn").check(token)  # signature + expiry only

Command line: `python -m merchants verify --token ... | --image code.png [--benefit CODE] [--offline]`.
"""
from merchants.client import ApiError, VerificationClient
from merchants.offline import OfflineVerifier, TokenCheck
from merchants.token import InvalidToken, parse_token

__all__ = ["ApiError", "InvalidToken", "OfflineVerifier", "TokenCheck", "VerificationClient",
           "parse_token"]

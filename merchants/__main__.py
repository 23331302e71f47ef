"""`python -m merchants verify --token ... | --image code.png [--benefit CODE] [--offline]`."""
import argparse
import json
import os
import sys

from merchants.client import ApiError, VerificationClient
from merchants.offline import OfflineVerifier


def decode_image(path) -> str:
    """Return the text of the (first) QR code in an image, decoded with zbar."""
    from PIL import Image
    from pyzbar.pyzbar import ZBarSymbol, decode

    found = decode(Image.open(path), symbols=[ZBarSymbol.QRCODE])
    if not found:
        raise SystemExit(f"no QR code found in {path}")
    return found[0].data.decode("ascii")


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m merchants",
                                     description="信易+ merchant kit: verify a resident's credit code.")
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="verify a credit code (a token or a QR image)")
    source = verify.add_mutually_exclusive_group(required=True)
    source.add_argument("--token", help="the code's text")
    source.add_argument("--image", help="a PNG/JPEG photo or screenshot of the QR code")
    verify.add_argument("--benefit", help="benefit code to redeem (required unless --offline)")
    verify.add_argument("--offline", action="store_true",
                        help="only check signature and expiry with the cached JWKS")
    verify.add_argument("--base-url", default=os.environ.get("XINYI_BASE_URL", "http://127.0.0.1:5000"))
    verify.add_argument("--api-key", default=os.environ.get("MERCHANT_API_KEY"))
    verify.add_argument("--idempotency-key")
    verify.add_argument("--cache-dir")
    verify.add_argument("--json", action="store_true", help="print the full JSON answer")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    token = args.token if args.token else decode_image(args.image)
    if args.offline:
        check = OfflineVerifier.from_url(args.base_url, cache_dir=args.cache_dir).check(token)
        answer = {"valid": check.valid, "reason": check.reason, "kid": check.kid,
                  "expires": check.expires}
        print(json.dumps(answer, ensure_ascii=False) if args.json else
              ("valid" if check.valid else f"not valid: {check.reason}"))
        return 0 if check.valid else 1
    if not args.benefit or not args.api_key:
        print("--benefit and --api-key (or MERCHANT_API_KEY) are required", file=sys.stderr)
        return 2
    client = VerificationClient(args.base_url, args.api_key)
    try:
        answer = client.verify(token, args.benefit, idempotency_key=args.idempotency_key)
    except ApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer, ensure_ascii=False))
    else:
        who = answer.get("resident", {}).get("masked_name") or "-"
        line = f"{answer['decision']} {answer['benefit']['name']} {who}"
        if answer.get("reason"):
            line += f" ({answer['reason']})"
        if answer.get("redemption_id"):
            line += f" redemption {answer['redemption_id']}"
        print(line)
    return 0 if answer["decision"] == "granted" else 1


if __name__ == "__main__":
    sys.exit(main())

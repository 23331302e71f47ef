"""Static files with long cache lifetimes: every `url_for('static', ...)` carries `?v=` and a
hash of the file taken at its first use, so a changed file gets a new URL and a versioned one is
cached for a year; text files go out gzip-compressed to clients that accept it."""
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, current_app, request

bp = Blueprint("assets", __name__)
_COMPRESSIBLE = {".js", ".css", ".svg", ".json", ".txt", ".ico"}
_YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class Asset:
    version: str
    gzipped: bytes | None


def _catalogue(folder: str) -> dict[str, Asset]:
    assets = {}
    root = Path(folder)
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        body = path.read_bytes()
        packed = gzip.compress(body, mtime=0) if path.suffix in _COMPRESSIBLE else None
        assets[path.relative_to(root).as_posix()] = Asset(
            hashlib.sha256(body).hexdigest()[:12],
            packed if packed is not None and len(packed) < len(body) else None)
    return assets


def _assets() -> dict[str, Asset]:
    """The static files' catalogue, taken at its first use: a command (`flask records import`)
    starts without reading and compressing files it never serves."""
    assets = current_app.extensions.get("static_assets")
    if assets is None:
        assets = current_app.extensions["static_assets"] = _catalogue(current_app.static_folder)
    return assets


@bp.app_url_defaults
def add_version(endpoint, values):
    if endpoint == "static" and "v" not in values:
        asset = _assets().get(values.get("filename"))
        if asset is not None:
            values["v"] = asset.version


@bp.after_app_request
def cache_and_compress(response):
    """Cache versioned URLs for a year; send the gzipped copy where the client takes it."""
    if request.endpoint != "static" or response.status_code != 200:
        return response
    asset = _assets().get((request.view_args or {}).get("filename"))
    if asset is None:
        return response
    if request.args.get("v") == asset.version:
        response.headers["Cache-Control"] = f"public, max-age={_YEAR}, immutable"
    # the gzipped copies are taken once; while debugging, files change under a running app
    if asset.gzipped is not None and not current_app.debug:
        response.vary.add("Accept-Encoding")
        if request.accept_encodings["gzip"] > 0:
            response.close()  # the file send_file opened
            response.direct_passthrough = False
            response.set_data(asset.gzipped)
            response.headers["Content-Encoding"] = "gzip"
            response.set_etag(f"{asset.version}-gzip")
    return response

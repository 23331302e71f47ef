"""Evidence residents attach to objections and repairs: images or PDFs, checked by their first
bytes (not by the name or the declared type) and stored encrypted, bound to their owner."""
from flask_babel import gettext as _
from sqlalchemy import select

from app.core.crypto import decrypt_bytes, encrypt_bytes
from app.core.errors import ApiError
from app.core.extensions import db
from app.governance.models import Attachment

MAX_FILES = 3
# the request as a whole is bounded by MAX_CONTENT_LENGTH (2 MB unless configured) before this
MAX_FILE_BYTES = 2 * 1024 * 1024

_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
          (b"%PDF-", "application/pdf"))


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (JPEG, PNG or PDF), or None."""
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def checked_files(files) -> list[tuple[str, bytes]]:
    """(content type, bytes) of uploaded files (werkzeug FileStorage); empty file inputs are
    skipped, anything else that is not a small image or PDF is refused."""
    out = []
    for storage in files:
        data = storage.read(MAX_FILE_BYTES + 1)
        if not data and not storage.filename:
            continue
        if len(data) > MAX_FILE_BYTES:
            raise ApiError(413, "attachment_too_large",
                           _("Each file may be at most %(mb)s MB.", mb=MAX_FILE_BYTES // 2**20))
        kind = sniff(data)
        if kind is None:
            raise ApiError(415, "attachment_type",
                           _("Attach photos (JPEG or PNG) or PDF documents only."))
        out.append((kind, data))
    if len(out) > MAX_FILES:
        raise ApiError(422, "too_many_attachments",
                       _("Attach at most %(n)s files.", n=MAX_FILES))
    return out


def _context(owner_kind, owner_id):
    return f"governance_attachments:{owner_kind}:{owner_id}"


def store_attachments(owner_kind: str, owner_id: int, files) -> None:
    db.session.add_all([
        Attachment(owner_kind=owner_kind, owner_id=owner_id, content_type=kind, size=len(data),
                   data=encrypt_bytes(data, _context(owner_kind, owner_id)))
        for kind, data in files])


def attachments_of(owner_kind: str, owner_id: int) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment).filter_by(owner_kind=owner_kind, owner_id=owner_id)
        .order_by(Attachment.id)))


def content(attachment) -> bytes:
    return decrypt_bytes(attachment.data, _context(attachment.owner_kind, attachment.owner_id))

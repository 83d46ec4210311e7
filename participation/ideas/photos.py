"""Photos with ideas: checked, cleaned and stored.

A photo from a phone is accepted as JPEG, PNG or WebP up to 8 MB. It is
decoded with Pillow (so a text file renamed .jpg is refused), turned upright
(EXIF orientation), reduced to at most 1600 px on its longest side and
encoded anew as JPEG (WebP when it has transparency). The new file carries
no metadata at all: no EXIF, so no GPS position, camera or time. It is
stored under a random name in UPLOAD_FOLDER/ideas and only ever served by
ideas.views.photo.

Images whose declared size is absurd (decompression bombs) are refused
before they are decoded (Pillow's MAX_IMAGE_PIXELS).

Files follow the transaction: a photo stored during a request that rolls
back is deleted again; a photo replaced or removed is deleted only once the
change has committed.
"""
import io
import logging
import os
import re
import secrets
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from participation.extensions import db

logger = logging.getLogger("participation.ideas")

MAX_BYTES = 8 * 1024 * 1024
MAX_SIDE = 1600
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 85
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,40}\.(jpg|webp)$")
CONTENT_TYPES = {"jpg": "image/jpeg", "webp": "image/webp"}

# Keys in Session.info.
_NEW = "photos.new"            # stored in this transaction: delete if it rolls back
_OBSOLETE = "photos.obsolete"  # replaced in this transaction: delete once it commits


class PhotoError(ValueError):
    """The upload cannot be used; `message` says why, for the form field."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class ProcessedPhoto:
    data: bytes
    extension: str  # "jpg" or "webp"
    width: int
    height: int


def folder() -> Path:
    base = current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")
    return Path(base) / "ideas"


def path_for(name: str) -> Path | None:
    """The stored file for a name, or None when the name is not one of ours."""
    if not NAME_PATTERN.match(name or ""):
        return None
    return folder() / name


def process(stream) -> ProcessedPhoto:
    """Read an upload (a file-like object) and return the cleaned image, or raise PhotoError."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PhotoError(_l("The photo is larger than 8 MB. Choose a smaller photo."))
    if not data:
        raise PhotoError(_l("The photo file is empty. Choose another photo."))
    try:
        with warnings.catch_warnings():
            # Between MAX_IMAGE_PIXELS and twice that, Pillow only warns: refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
                if image.width * image.height > Image.MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                if image.format == "JPEG":
                    # Decode a large JPEG at a reduced scale: much less memory and time.
                    image.draft("RGB", (MAX_SIDE, MAX_SIDE))
                image.load()
                return _clean(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(_l("This photo has too many pixels. Choose a smaller photo."))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise PhotoError(_l("This file is not a photo we can use. Choose a JPEG, PNG or WebP photo."))


def _clean(image: Image.Image) -> ProcessedPhoto:
    upright = ImageOps.exif_transpose(image)  # phones store "rotate on display" in EXIF
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
    mode = "RGBA" if has_alpha else "RGB"
    # A new image with the pixels only: no EXIF, XMP, comments or other metadata.
    clean = upright.convert(mode)
    clean.info = {}
    clean.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    if has_alpha:
        clean.save(output, "WEBP", quality=JPEG_QUALITY, method=4)
        extension = "webp"
    else:
        clean.save(output, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        extension = "jpg"
    if upright is not image:
        upright.close()
    size = clean.size
    clean.close()
    return ProcessedPhoto(output.getvalue(), extension, *size)


def store(photo: ProcessedPhoto, session: Session | None = None) -> str:
    """Write the photo under a new random name and return the name. With a
    session, the file is deleted again if that session's transaction rolls back."""
    if session is not None:
        session.connection()  # a transaction to follow (the file goes when it rolls back)
    target_folder = folder()
    target_folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(18)}.{photo.extension}"
    temporary = target_folder / f".{name}.part"
    temporary.write_bytes(photo.data)
    os.replace(temporary, target_folder / name)
    if session is not None:
        session.info.setdefault(_NEW, set()).add(str(target_folder / name))
    return name


def forget_after_commit(name: str | None, session: Session) -> None:
    """Delete the stored photo once the current transaction commits."""
    path = path_for(name) if name else None
    if path is not None:
        session.info.setdefault(_OBSOLETE, set()).add(str(path))


def _delete(paths) -> None:
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
        except OSError:
            logger.warning("Could not delete photo file %s", os.path.basename(path))


@event.listens_for(db.session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(_NEW, None)
    _delete(session.info.pop(_OBSOLETE, ()))


@event.listens_for(db.session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        # Ended without a commit (after a commit, _after_commit emptied these already).
        _delete(session.info.pop(_NEW, ()))
        session.info.pop(_OBSOLETE, None)


def remove_unused(older_than_seconds: int = 24 * 3600) -> int:
    """Delete stored photos no idea uses (e.g. kept for a form that was never
    sent) once they are older than `older_than_seconds`. Returns how many."""
    from participation.ideas.models import Idea

    target_folder = folder()
    if not target_folder.is_dir():
        return 0
    used = set(db.session.scalars(select(Idea.photo).where(Idea.photo.is_not(None))))
    cutoff = time.time() - older_than_seconds
    removed = 0
    for entry in target_folder.iterdir():
        if entry.is_file() and entry.name not in used and entry.stat().st_mtime < cutoff:
            entry.unlink(missing_ok=True)
            removed += 1
    return removed

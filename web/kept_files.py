"""Files the service keeps under the data directory (mail attachments, bodies' documents), served
to officers: only a file the record lists, opened from its sealed form."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException
from fastapi.responses import Response

from storage.crypto import BLOB_MAGIC, SealingCodec, load_keyring
from web.settings import Settings

_SHA256 = re.compile(r"[0-9a-f]{64}")


async def kept_file_response(
    settings: Settings, listed: Mapping[str, Mapping[str, Any]], sha256: str
) -> Response:
    """The kept file `sha256` as a download, if `listed` (sha256 -> its metadata) names it; else 404."""
    if sha256 not in listed or not _SHA256.fullmatch(sha256):
        raise HTTPException(status_code=404, detail="no such file")
    path = settings.data_dir / "attachments" / sha256
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        raise HTTPException(status_code=404, detail="the file is missing from the data directory") from exc
    if data.startswith(BLOB_MAGIC):
        keyring = load_keyring(settings.data_dir, settings.data_key, create=False)
        data = SealingCodec(keyring).unseal_file(data)
    meta = listed[sha256]
    filename = quote(str(meta.get("filename") or sha256))
    return Response(
        data,
        media_type=str(meta.get("content_type") or "application/octet-stream"),
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
    )

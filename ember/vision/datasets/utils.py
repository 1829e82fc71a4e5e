"""Download and integrity helpers for datasets (through ember.hub's downloader)."""
from __future__ import annotations

import hashlib
import os
from typing import Optional

from ... import hub


def calculate_md5(fpath: str, chunk_size: int = 1024 * 1024) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_integrity(fpath: str, md5: Optional[str] = None) -> bool:
    """Whether ``fpath`` exists and (when given) has the MD5 ``md5``."""
    if not os.path.isfile(fpath):
        return False
    return md5 is None or calculate_md5(fpath) == md5


def download_url(url: str, root: str, filename: Optional[str] = None, md5: Optional[str] = None) -> None:
    """Download ``url`` into ``root/filename`` unless a file with the right MD5 is already there."""
    root = os.path.expanduser(root)
    filename = filename or os.path.basename(url)
    fpath = os.path.join(root, filename)
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    hub.download_url_to_file(url, fpath, progress=False)
    if not check_integrity(fpath, md5):
        raise RuntimeError(f"File not found or corrupted: {fpath} (downloaded from {url})")

"""Zip container of torch checkpoints: an aligned, uncompressed writer and an offset-aware reader.

torch's writer stores every record uncompressed, with its data starting on a 64-byte boundary (a
padding extra field ``FB`` filled with ``Z``), flags 0x0808 (data descriptor + UTF-8 names), zeroed
times, and always a zip64 end record. We write the same layout so files look like torch's and can
be memory-mapped record by record.
"""
from __future__ import annotations

import hashlib
import struct
import zipfile
import zlib
from typing import BinaryIO, Dict, List, Tuple

ALIGNMENT = 64
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_LIMIT = 0xFFFFFFFF


class ZipWriter:
    """Writes records sequentially (no seeking), so any writable binary stream works."""

    def __init__(self, f: BinaryIO, archive_name: str):
        self._f = f
        self._prefix = archive_name + "/"
        self._pos = 0
        self._entries: List[Tuple[bytes, int, int, int]] = []  # name, crc, size, header offset
        self._crc_combined = 0
        self._name_hash = hashlib.sha1()

    def _write(self, data) -> None:
        self._f.write(data)
        self._pos += memoryview(data).nbytes

    def write_record(self, name: str, data) -> None:
        """Append one stored record; ``data`` is bytes or any C-contiguous buffer."""
        name_b = (self._prefix + name).encode("utf-8")
        mv = memoryview(data).cast("B") if not isinstance(data, (bytes, bytearray)) else data
        size = len(mv)
        crc = zlib.crc32(mv)
        offset = self._pos
        zip64 = b""
        if size >= _LIMIT:
            zip64 = struct.pack("<HHQQ", 1, 16, size, size)
        # padding so the data begins on an ALIGNMENT boundary (the FB header is always present)
        start = offset + _LOCAL.size + len(name_b) + len(zip64) + 4
        pad = (-start) % ALIGNMENT
        extra = zip64 + b"FB" + struct.pack("<H", pad) + b"Z" * pad
        hdr_size = _LIMIT if zip64 else 0
        self._write(_LOCAL.pack(0x04034B50, 0, 0x0808, 0, 0, 0, 0, hdr_size, hdr_size,
                                len(name_b), len(extra)))
        self._write(name_b)
        self._write(extra)
        if size:
            self._write(mv)
        if zip64:
            self._write(struct.pack("<IIQQ", 0x08074B50, crc, size, size))
        else:
            self._write(struct.pack("<IIII", 0x08074B50, crc, size, size))
        self._entries.append((name_b, crc, size, offset))
        self._crc_combined = zlib.crc32(struct.pack("<I", crc), self._crc_combined)
        self._name_hash.update(name_b)

    def serialization_id(self) -> str:
        """A 40-digit id derived from record names and contents (torch writes one of this shape)."""
        name_part = int.from_bytes(self._name_hash.digest()[:8], "little") % (10 ** 20)
        return f"{self._crc_combined:020d}{name_part:020d}"

    def finish(self) -> None:
        """Write the central directory, the zip64 end records and the classic end record."""
        cd_start = self._pos
        for name_b, crc, size, offset in self._entries:
            fields = []
            csize = usize = size
            hoff = offset
            if size >= _LIMIT:
                fields += [size, size]
                csize = usize = _LIMIT
            if offset >= _LIMIT:
                fields.append(offset)
                hoff = _LIMIT
            extra = struct.pack("<HH", 1, 8 * len(fields)) + struct.pack(f"<{len(fields)}Q", *fields) \
                if fields else b""
            self._write(_CENTRAL.pack(0x02014B50, 0, 0, 0x0808, 0, 0, 0, crc, csize, usize,
                                      len(name_b), len(extra), 0, 0, 0, 0, hoff))
            self._write(name_b)
            self._write(extra)
        cd_size = self._pos - cd_start
        n = len(self._entries)
        eocd64 = self._pos
        self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 0x2D, 0, 0, n, n,
                                cd_size, cd_start))
        self._write(struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1))
        self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(n, 0xFFFF), min(n, 0xFFFF),
                                min(cd_size, _LIMIT), min(cd_start, _LIMIT), 0))


def archive_name_for(f) -> str:
    """torch names the archive folder after the file's base name without its last extension."""
    import os
    if isinstance(f, (str, os.PathLike)):
        base = os.path.basename(os.fspath(f))
        stem = base.rsplit(".", 1)[0] if "." in base[1:] else base
        return stem or "archive"
    return "archive"


class ZipReader:
    """Finds the records of a torch zip archive and where each one's raw bytes lie in the file."""

    def __init__(self, f: BinaryIO):
        self._f = f
        start = f.tell()
        self.file_size = f.seek(0, 2)
        f.seek(start)
        self._zip = zipfile.ZipFile(f)
        infos = self._zip.infolist()
        pkl = [i.filename for i in infos if i.filename.endswith("data.pkl")
               and i.filename.count("/") == 1]
        if not pkl:
            raise RuntimeError("PytorchStreamReader failed locating file data.pkl: file not found")
        self.prefix = pkl[0][: -len("data.pkl")]
        self._infos: Dict[str, zipfile.ZipInfo] = {i.filename: i for i in infos}

    def has_record(self, name: str) -> bool:
        return (self.prefix + name) in self._infos

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = self._infos.get(self.prefix + name)
        if info is None:
            raise RuntimeError(f"PytorchStreamReader failed locating file {name}: file not found")
        return info

    def record_size(self, name: str) -> int:
        return self._info(name).file_size

    def read_small(self, name: str) -> bytes:
        """Read a (small) record fully through zipfile (handles compressed members too)."""
        return self._zip.read(self._info(name))

    def data_offset(self, name: str) -> int:
        """Absolute offset of a stored record's data, or -1 when it is compressed."""
        info = self._info(name)
        if info.compress_type != zipfile.ZIP_STORED:
            return -1
        self._f.seek(info.header_offset)
        hdr = self._f.read(_LOCAL.size)
        if len(hdr) != _LOCAL.size or hdr[:4] != b"PK\x03\x04":
            raise RuntimeError(f"PytorchStreamReader failed reading record {name}: bad local header")
        name_len, extra_len = struct.unpack("<HH", hdr[26:30])
        off = info.header_offset + _LOCAL.size + name_len + extra_len
        if off + info.file_size > self.file_size:
            raise RuntimeError(f"PytorchStreamReader failed reading record {name}: record past end of file")
        return off

    def read_into(self, name: str, out) -> None:
        """Fill the writable buffer ``out`` (exactly the record's size) with the record's bytes."""
        mv = memoryview(out).cast("B")
        off = self.data_offset(name)
        if off < 0:
            data = self.read_small(name)
            if len(data) != len(mv):
                raise RuntimeError(f"record {name} has {len(data)} bytes, expected {len(mv)}")
            mv[:] = data
            return
        self._f.seek(off)
        got = 0
        readinto = getattr(self._f, "readinto", None)
        while got < len(mv):
            if readinto is not None:
                n = readinto(mv[got:])
            else:
                chunk = self._f.read(len(mv) - got)
                n = len(chunk)
                mv[got:got + n] = chunk
            if not n:
                raise RuntimeError(
                    f"PytorchStreamReader failed reading record {name}: unexpected end of file")
            got += n

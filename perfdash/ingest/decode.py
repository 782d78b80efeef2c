"""Turn uploaded bytes into text, or say clearly why they are not a CSV we can read."""

from __future__ import annotations

from dataclasses import dataclass

_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (perhaps an Excel .xlsx file) renamed to .csv",
    b"\xd0\xcf\x11\xe0": "an old-style Excel (.xls) or Office file",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip-compressed file",
}


@dataclass(frozen=True)
class Decoded:
    """Text of a file and the encoding it was read with."""

    text: str
    encoding: str


class DecodeError(ValueError):
    """The bytes are not text we accept; the message is for the analyst."""


def decode_bytes(data: bytes) -> Decoded:
    """Decode UTF-8 (with or without BOM) or Windows-1252; reject anything else with a reason."""
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            raise DecodeError(f"This file is {what}, not a CSV. Save it as 'CSV UTF-8' and upload that.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DecodeError(
            "This file is encoded as UTF-16, which we do not accept. Save it as 'CSV UTF-8' and upload that."
        )
    if b"\x00" in data[:65536]:
        raise DecodeError("This file contains binary data (NUL bytes), not text. Upload a CSV file.")
    if data.startswith(b"\xef\xbb\xbf"):
        return Decoded(_strict(data[3:], "utf-8"), "utf-8-sig")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(data.decode("cp1252"), "windows-1252")
    except UnicodeDecodeError as error:
        raise DecodeError(
            f"Byte {error.start + 1} of the file cannot be read as UTF-8 or Windows-1252 text. "
            "Save the file as 'CSV UTF-8' and upload it again."
        ) from None


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise DecodeError(
            f"The file starts with a UTF-8 marker but byte {error.start + 4} is not valid UTF-8. "
            "Save the file as 'CSV UTF-8' and upload it again."
        ) from None

"""create's pre-uploaded documents: the XML body the reference shows
(``<modules><module name="presentation"><document url=.. filename=../>``
or a document embedded in base64). Confera keeps the list (URLs, names; an
embedded document's size, not its bytes) and returns it unchanged."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from app.api.bbb.errors import BbbError

MAX_DOCUMENTS = 50


def documents_of(body: bytes | None) -> list[dict[str, Any]]:
    """The documents listed in create's body (none without one). Python's
    expat refuses entity expansion bombs; a body that is not the document
    is validationError."""
    if not body or not body.strip():
        return []
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise BbbError("validationError", f"The body is not valid XML: {exc}") from exc
    found = [_document(node) for module in root.iter("module")
             if module.get("name") == "presentation" for node in module.iter("document")]
    if root.tag != "modules" or len(found) > MAX_DOCUMENTS:
        raise BbbError("validationError", "The body must be <modules> with at most "
                       f"{MAX_DOCUMENTS} presentation documents")
    return found


def _document(node: ET.Element) -> dict[str, Any]:
    document: dict[str, Any] = {key: node.get(key) for key in ("url", "filename", "name")
                                if node.get(key)}
    if not document.get("url"):
        document["embedded_bytes"] = len("".join((node.text or "").split())) * 3 // 4
    return document

"""docs/signalling.md lists exactly what app/protocol defines: every close
code, every message each side sends with its fields, the objects inside
messages, the join token's claims and its leeway. A change to one without the
other fails here, so a client author reading the page is never misled."""

from __future__ import annotations

import dataclasses
import re

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.protocol import join_token
from app.protocol import signalling as sig
from app.protocol.messages import Catalogue, Message
from tests.helpers import REPO_ROOT

DOC = REPO_ROOT / "docs" / "signalling.md"
# The doc's names for the dataclasses inside messages.
OBJECTS = {"participant": sig.ParticipantInfo, "track": sig.TrackInfo}


def table_under(heading: str, text: str | None = None) -> list[list[str]]:
    """The rows (cells, stripped) of the first table after the heading that
    ends with ``heading``, up to the next heading; no header row."""
    lines = (DOC.read_text() if text is None else text).splitlines()
    at = next((i for i, line in enumerate(lines)
               if line.startswith("#") and line.rstrip().endswith(heading)), None)
    assert at is not None, f"no heading {heading!r} in {DOC.name}"
    rows = []
    for line in lines[at + 1:]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    assert len(rows) > 2, f"no table under {heading!r}"
    _header, rule, *body = rows
    assert set(rule[0]) <= {"-", ":"}, f"the table under {heading!r} has no header rule"
    return body


def names(cell: str) -> list[str]:
    """The `code spans` of a cell."""
    return re.findall(r"`([^`]+)`", cell)


def documented_messages(heading: str) -> dict[str, list[str]]:
    """message type -> its fields, as the table under ``heading`` lists them."""
    listed: dict[str, list[str]] = {}
    for row in table_under(heading):
        (message,) = names(row[0])
        assert message not in listed, f"{message} listed twice under {heading!r}"
        listed[message] = names(row[1])
    return listed


def defined_messages(catalogue: Catalogue) -> dict[str, list[str]]:
    classes = [value for value in vars(sig).values() if isinstance(value, type)
               and issubclass(value, Message) and value is not Message and value in catalogue]
    return {cls.type: field_names(cls) for cls in classes}


def field_names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def test_the_doc_lists_exactly_the_close_codes():
    documented = [int(row[0]) for row in table_under("Close codes")]
    assert sorted(documented) == sorted(code.value for code in sig.CloseCode)


def test_the_doc_lists_every_message_a_client_sends_with_its_fields():
    assert documented_messages("Every message a client sends") == \
        defined_messages(sig.FROM_CLIENT)


def test_the_doc_lists_every_message_the_node_sends_with_its_fields():
    assert documented_messages("Every message the node sends") == \
        defined_messages(sig.FROM_NODE)


def test_the_doc_lists_the_objects_inside_messages_with_their_fields():
    documented = {row[0]: names(row[1]) for row in table_under("Objects inside messages")}
    assert documented == {name: field_names(cls) for name, cls in OBJECTS.items()}
    inside = {value for value in vars(sig).values() if dataclasses.is_dataclass(value)
              and isinstance(value, type) and not issubclass(value, Message)}
    assert inside == set(OBJECTS.values()), "a new object in messages: add it to the doc"


def test_the_doc_lists_every_claim_of_a_join_token_and_its_leeway():
    grant = join_token.JoinGrant(
        session_id="s", participant_id="p", display_name="Ann", role=join_token.Role.ATTENDEE,
        permissions=join_token.DEFAULT_PERMISSIONS[join_token.Role.ATTENDEE], node_id="n")
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    claims = jwt.decode(join_token.sign(grant, key), options={"verify_signature": False})
    documented = [names(row[0])[0] for row in table_under("Get a join token from the web")]
    assert sorted(documented) == sorted(claims)
    text = DOC.read_text()
    assert f"until {join_token.LEEWAY_SECONDS} seconds after `exp`" in text
    assert f"`{join_token.ISSUER}`" in text and f"`{join_token.AUDIENCE}`" in text
    assert f"`iat` + {join_token.DEFAULT_TTL_SECONDS} by default" in text

"""The dialect's frame: the root call, FAILED documents for what has no
call, and the checksum rules (every digest BBB accepts, the company's choice)."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.api.bbb.checksum import canonical_form, verify_checksum, without_checksum
from tests.api.bbb.signing import checksum, parse

SECRET = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
QUERY = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"


def test_root_answers_success_with_version(client: FlaskClient, bbb_company: dict) -> None:
    for path in ("/bigbluebutton/api", "/bigbluebutton/api/"):
        answer = parse(client.get(path, headers={"Host": bbb_company["host_name"]}))
        assert (answer.status, answer.tags) == (200, ["returncode", "version"])
        assert answer.returncode == "SUCCESS"


def test_unknown_call_is_a_failed_document(client: FlaskClient, bbb_company: dict) -> None:
    answer = parse(client.get("/bigbluebutton/api/noSuchCall?checksum=x",
                              headers={"Host": bbb_company["host_name"]}))
    assert (answer.status, answer.tags) == (200, ["returncode", "messageKey", "message"])
    assert (answer.returncode, answer.message_key) == ("FAILED", "unsupportedRequest")


def test_reference_example_checksum_verifies() -> None:
    # The BBB reference's own example: SHA-1 1fcbb0c4...
    assert verify_checksum("create", [QUERY], "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17", SECRET)


def test_every_digest_is_accepted_unless_the_company_restricts() -> None:
    for algorithm in ("sha1", "sha256", "sha384", "sha512"):
        given = checksum("create", QUERY, SECRET, algorithm)
        assert verify_checksum("create", [QUERY], given, SECRET)
        assert verify_checksum("create", [QUERY], given.upper(), SECRET)
        assert verify_checksum("create", [QUERY], given, SECRET, [algorithm])
        others = [a for a in ("sha1", "sha256", "sha384", "sha512") if a != algorithm]
        assert not verify_checksum("create", [QUERY], given, SECRET, others)


def test_wrong_call_secret_or_length_fails() -> None:
    given = checksum("create", QUERY, SECRET)
    assert not verify_checksum("join", [QUERY], given, SECRET)
    assert not verify_checksum("create", [QUERY], given, SECRET + "x")
    assert not verify_checksum("create", [QUERY], given[:-1], SECRET)
    assert not verify_checksum("create", [QUERY], None, SECRET)


def test_checksum_parameter_is_left_out_wherever_it_stands() -> None:
    assert without_checksum("a=1&checksum=abc&b=2") == "a=1&b=2"
    assert without_checksum("checksum=abc") == ""


def test_canonical_form_is_the_reference_example() -> None:
    # setConfigXML's example in the reference (its XML, as the reference encodes it).
    params = {"meetingID": "random-8228800", "checksum": "x", "configXML":
              '<config><localeversion suppressWarning="false">0.9.0</localeversion>'
              "</modules></config>"}
    assert canonical_form(params) == (
        "configXML=%3Cconfig%3E%3Clocaleversion+suppressWarning%3D%22false%22%3E0.9.0"
        "%3C%2Flocaleversion%3E%3C%2Fmodules%3E%3C%2Fconfig%3E&meetingID=random-8228800")

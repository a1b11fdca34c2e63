"""getDefaultConfigXML and setConfigXML: the Flash client's config.xml. The
meeting page has no such file; a stored one is kept per meeting (until a
create of the idle room) and its token is what a join may name."""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET

from flask import Response

from app.api.bbb.calls import BbbCall, bbb_call
from app.api.bbb.errors import BbbError
from app.api.bbb.responses import success, xml
from app.api.bbb.rooms import running_meeting, stored
from app.api.bbb.schemas import parse, set_config_xml_schema
from app.modules.meetings.integration import update_integration_room

MAX_CONFIGS = 20  # per meeting: the oldest goes


@bbb_call("getDefaultConfigXML")
def get_default_config_xml(call: BbbCall) -> Response:
    """The default config.xml itself (not a response document), as BBB answers."""
    config = ET.Element("config")
    ET.SubElement(config, "localeversion", suppressWarning="false").text = "2.0"
    ET.SubElement(config, "version").text = "2.0"
    ET.SubElement(config, "modules")
    return xml(config)


@bbb_call("setConfigXML")
def set_config_xml(call: BbbCall) -> Response:
    data = parse(set_config_xml_schema, call.params)
    room, _ = running_meeting(call.tenant, data["meeting_id"])
    try:
        ET.fromstring(data["config_xml"])
    except ET.ParseError as exc:
        raise BbbError("configXMLError", f"configXML is not valid XML: {exc}") from exc
    token = secrets.token_urlsafe(6)
    configs = dict(stored(room, "configs", {}))
    configs[token] = data["config_xml"]
    while len(configs) > MAX_CONFIGS:
        del configs[next(iter(configs))]
    update_integration_room(call.tenant, room,
                            integration_data={**(room.integration_data or {}), "configs": configs})
    return success([("token", token)])

"""A reseller sells the platform under its own name: nothing a participant's
browser receives on the way into a meeting names the platform."""

from __future__ import annotations

import base64
import json
import re

from app.extensions import db
from app.modules.tenants.models import Reseller

PLATFORM_NAME = re.compile("confera", re.IGNORECASE)


def test_nothing_on_the_way_into_a_meeting_names_the_platform(
        app, client, make_reseller, make_company, make_host, beat):
    reseller = make_reseller(domain="video.acme.example", name="Acme Video")
    with app.app_context():
        db.session.get(Reseller, reseller["reseller_id"]).branding = {
            "product_name": "Acme Meet", "white_label": True}
        db.session.commit()
    company = make_company(reseller)
    host = make_host(company)
    beat("node-a")
    headers = {"Host": company["host_name"]}
    room = f"/conf/call/{host['access_code']}"
    received: dict[str, str] = {}

    def fetch(label: str, response) -> str:
        text = response.get_data(as_text=True)
        received[label] = "\n".join(f"{k}: {v}" for k, v in response.headers.items()) + text
        return text

    page = fetch("page", client.get(room, headers=headers))
    assert "<title>Acme Meet</title>" in page
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    script = fetch("meeting.js", client.get("/static/meeting/meeting.js", headers=headers))
    assets += [f"/static/meeting/{name}" for name in re.findall(r"from '\./([\w-]+\.js)'",
                                                                 script)]
    assert len(assets) >= 5, assets
    for path in assets:
        fetch(path, client.get(path, headers=headers))
    answer = client.post(f"/api/v1/rooms/{host['access_code']}/join",
                         json={"display_name": "Ann"}, headers=headers)
    fetch("join", answer)
    for part in answer.json["token"].split(".")[:2]:  # the token's header and claims
        received[f"token {part[:8]}"] = base64.urlsafe_b64decode(part + "==").decode()
    fetch("join error", client.post(f"/api/v1/rooms/{host['access_code']}/join",
                                    json={"nickname": "Ann"}, headers=headers))
    fetch("no such room", client.get("/conf/call/999999999", headers=headers))
    leaks = {label: PLATFORM_NAME.findall(text) for label, text in received.items()}
    assert not any(leaks.values()), json.dumps(leaks)

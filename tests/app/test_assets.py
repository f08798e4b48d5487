"""The NHS.UK stylesheet is served without anything that would load from another host."""
from __future__ import annotations

import re


def test_the_stylesheet_loads_no_font_from_another_host(client):
    response = client.get("/nhsuk/nhsuk-frontend.min.css")
    css = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert "assets.nhs.uk" not in css
    assert not re.search(r"url\(\s*[\"']?(https?:)?//", css), "the CSS still points at another host"
    assert "Frutiger W01" in css  # the font stack itself is kept: the design system falls back to Arial
    assert ".nhsuk-header" in css  # and nothing else of the stylesheet was lost


def test_the_stylesheet_can_be_revalidated(client):
    first = client.get("/nhsuk/nhsuk-frontend.min.css")
    again = client.get("/nhsuk/nhsuk-frontend.min.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert first.headers["Cache-Control"].count("max-age=31536000") == 1

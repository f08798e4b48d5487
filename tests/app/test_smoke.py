from tests.factories import make_user


def test_login_page_is_public_and_uses_the_nhs_look(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "nhsuk-header" in html and "Sign in to Waymark" in html


def test_a_practitioner_can_sign_in_and_reach_home(client, session, login_as):
    user = make_user(session)
    session.commit()
    login_as(user)
    assert client.get("/", follow_redirects=False).status_code == 302

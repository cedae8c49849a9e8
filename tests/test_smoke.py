from tests.factories import auth, get_token


def test_get_me_with_fresh_token(client, factory):
    setup = factory.company()
    token = get_token(client, setup)
    response = client.get("/rest/subcontractor/v1/me", headers=auth(token))
    assert response.status_code == 200
    assert response.json()["contact"]["email"] == setup.login
    assert response.json()["company"]["id"] == setup.company.id

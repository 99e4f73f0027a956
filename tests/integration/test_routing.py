"""Ids in URLs: only numbers a database integer holds match a route (found by fuzzing)."""

import pytest

from tests.support import login


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/api/v1/venues/2147483648"),
        ("DELETE", "/api/v1/registrations/2147483648"),
        ("GET", "/api/v1/workshops/99999999999999999999/registrations"),
    ],
)
def test_out_of_range_ids_are_404_not_405(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_huge_ids_on_pages_are_404(client, organizer):
    login(client, organizer)
    assert client.get("/organizer/workshops/99999999999").status_code == 404
    assert client.get("/organizer/workshops/2147483647").status_code == 404

import pytest
from django.urls import reverse

from financements.models import Envelope, FundingLine, Payment


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Envelope, FundingLine, Payment])
def test_admin_changelist_and_add_pages_answer_for_the_national_team(login, world, model):
    client = login(world.admin)
    opts = model._meta
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200
    # A coordinator is not staff: the admin sends them to its login page.
    response = login(world.a.coordinator).get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert response.status_code == 302

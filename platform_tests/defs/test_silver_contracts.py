"""Every Silver contract is registered, and compatible with its registered version."""

import pytest

from lakehouse.defs.silver.contracts import SILVER_CONTRACTS
from lakehouse.lib.quality.contracts import registry_problems, table_name


@pytest.mark.parametrize("contract", SILVER_CONTRACTS, ids=table_name)
def test_contract_matches_its_registered_version(contract):
    assert registry_problems(contract) == []

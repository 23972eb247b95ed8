"""Which register a voided number belongs to, as `document.voided` tells the other services: a
copy's number is the copies register's, not an outgoing number (the archive and routing would
read it as the outgoing register's)."""

from __future__ import annotations

from datetime import UTC, datetime

from vanthu_contracts.events.values import Register as ContractRegister
from vanthu_intake import events
from vanthu_intake.domain.numbering import Register


def test_a_number_of_the_copies_register_is_voided_as_one_of_that_register() -> None:
    voided = [
        events.document_voided(
            document_id="d-1",
            agency_code="000.00.00.H41",
            register=register,
            year=2026,
            number=5,
            reason="hai văn thư đóng dấu cùng lúc",
            voided_by={"user_id": "vt01", "full_name": "Văn thư"},
            voided_at=datetime.now(UTC),
        ).register_type
        for register in Register
    ]

    assert voided == [
        ContractRegister.INCOMING,
        ContractRegister.OUTGOING,
        ContractRegister.OUTGOING,  # the contract has no value of its own for the secret series
        ContractRegister.COPIES,
    ]

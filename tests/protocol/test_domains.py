"""The domain-separation bytes of H (engine.domains) are the spec's, and no tag is defined anywhere else."""

from __future__ import annotations

import re
from pathlib import Path

from engine import domains

ENGINE = Path(domains.__file__).parent

# spec 2.0.0: name -> the tag its equation prints
SPEC_2_0_0 = {
    "PARAMETER_BASE": 0x00,  # eq. 4
    "MANIFEST": 0x01,  # eq. 6
    "ELECTION_BASE": 0x02,  # eq. 7
    "COEFFICIENT_PROOF": 0x10,  # eq. 12
    "SHARE_KEY": 0x11,  # eq. 15
    "EXTENDED_BASE": 0x12,  # eq. 23
    "SELECTION_NONCE": 0x20,  # eq. 25
    "CONTEST_DATA_NONCE": 0x20,  # eq. 50
    "RANGE_PROOF": 0x21,  # eq. 28, 37, 46, 56
    "CONTEST_DATA_KEY": 0x22,  # eq. 51
    "CONTEST_HASH": 0x23,  # eq. 57
    "CONFIRMATION": 0x24,  # eq. 58, 59, 61
    "DECRYPTION_PROOF": 0x30,  # eq. 71
    "CONTEST_DATA_DECRYPTION_PROOF": 0x31,  # eq. 81
    "SELECTION_HASH": 0x40,  # eq. 92-93 (pre-encrypted ballots, section 4)
    "PREENCRYPTION_CONTEST_HASH": 0x41,  # eq. 94
    "PREENCRYPTION_CONFIRMATION": 0x42,  # eq. 95
    "PREENCRYPTION_NONCE": 0x43,  # eq. 96
}


def test_every_spec_tag_has_its_equations_byte() -> None:
    tags = {name: value for name, value in vars(domains).items() if name.isupper()}
    assert {name: tags[name] for name in SPEC_2_0_0} == SPEC_2_0_0
    assert set(tags) - set(SPEC_2_0_0) == {"PAD_KNOWLEDGE_PROOF"}


def test_the_only_shared_byte_is_0x20_of_the_two_nonces() -> None:
    by_value: dict[int, list[str]] = {}
    for name, value in SPEC_2_0_0.items():
        by_value.setdefault(value, []).append(name)
    assert {v: names for v, names in by_value.items() if len(names) > 1} == {
        0x20: ["SELECTION_NONCE", "CONTEST_DATA_NONCE"]
    }


def test_no_module_defines_a_tag_of_its_own() -> None:
    pattern = re.compile(r"^TAG_\w+ = 0x", re.M)
    offenders = [
        str(path.relative_to(ENGINE))
        for path in ENGINE.rglob("*.py")
        if path.name != "domains.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []

"""What a face may send to sign or countersign a consent."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ketaclinic.records.accounts.signatures import SignerCredentials
from ketaclinic.records.toolkit import Strict

Name = Annotated[str, Field(min_length=1, max_length=200)]


class ConsentIn(Strict):
    """The patient's signature: the protocol whose document they read, their typed name, and
    that they agree (must be true)."""

    protocol: Annotated[str, Field(min_length=1, max_length=64)]
    document_version: Annotated[str, Field(min_length=1, max_length=32)]
    signed_name: Name
    agree: Literal[True]
    via: Literal["portal", "tablet"] = "tablet"


class CountersignIn(Strict, SignerCredentials):
    """The witness (where the clinic requires one) and the clinician's password (or
    authenticator code), re-entered to countersign."""

    witness_name: Annotated[str, Field(max_length=200)] = ""

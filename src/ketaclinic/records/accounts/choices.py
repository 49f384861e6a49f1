"""Choices the accounts app offers: what an electronic signature means, how it was confirmed."""

from django.db import models


class Meaning(models.TextChoices):
    """The meaning of a signature (21 CFR Part 11.50): what the signer attests to."""

    AUTHORED = "authored", "authored"
    VERIFIED = "verified", "verified"
    APPROVED = "approved", "approved"
    CO_SIGNED = "co_signed", "co-signed"
    WITNESSED = "witnessed", "witnessed"


class Credential(models.TextChoices):
    """What the signer re-entered at the moment of signing."""

    PASSWORD = "password", "password"
    TOTP = "totp", "authenticator code"
    RECOVERY_CODE = "recovery_code", "recovery code"
    # Rows signed before signatures asked for a credential.
    NONE = "", "not asked"

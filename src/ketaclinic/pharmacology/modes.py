"""Modal form of a mammillary model: plasma response as a sum of decaying exponentials."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import FloatArray
from .models import Disposition


@dataclass(frozen=True)
class Modes:
    """Per patient (last axis): plasma after a unit amount into V1 is sum_i c_i exp(rate_i t).

    ``rate_per_min`` (negative) and ``plasma_per_mg`` (c_i, 1/L) have shape (n, N).
    """

    rate_per_min: FloatArray
    plasma_per_mg: FloatArray
    clearance_l_per_min: FloatArray
    ke0_per_min: float | None

    @property
    def n_patients(self) -> int:
        return int(self.rate_per_min.shape[1])


def modes(disposition: Disposition) -> Modes:
    """Diagonalise every patient's system at once.

    With concentrations c = a / V, the flows satisfy V dc/dt = K c with K symmetric
    (K11 = -(CL + sum Q), K1j = Kj1 = Qj, Kjj = -Qj), so S = V^-1/2 K V^-1/2 is symmetric:
    its eigenvalues are real and negative, its eigenvectors U orthonormal, and the plasma
    coefficient of mode i is U_1i^2 / V1. No general ODE solver or Euler step is involved.
    """
    volumes = disposition.volumes_l.T  # (N, n)
    flows = disposition.intercompartmental_l_per_min.T  # (N, n - 1)
    n_patients, n = volumes.shape
    root = np.sqrt(volumes)
    s = np.zeros((n_patients, n, n))
    s[:, 0, 0] = -(disposition.clearance_l_per_min + flows.sum(axis=1)) / volumes[:, 0]
    for j in range(1, n):
        s[:, 0, j] = s[:, j, 0] = flows[:, j - 1] / (root[:, 0] * root[:, j])
        s[:, j, j] = -flows[:, j - 1] / volumes[:, j]
    rates, vectors = np.linalg.eigh(s)
    return Modes(
        rate_per_min=np.ascontiguousarray(rates.T),
        plasma_per_mg=np.ascontiguousarray((vectors[:, 0, :] ** 2 / volumes[:, :1]).T),
        clearance_l_per_min=disposition.clearance_l_per_min,
        ke0_per_min=disposition.ke0_per_min,
    )

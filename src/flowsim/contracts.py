"""Take-or-pay accounts of each member's contracts, contract year by contract year
(docs/model.md, "Contracts over time").

From what the engines sum per contract year, the take and the volume the seller
could not make available, and the contract's terms:

- the buyer's **obligation** is the take-or-pay floor less what the seller
  failed to make available: ``max(0, min_take x ACQ - unavailable)``;
- volume the buyer took short of it is **paid not taken** and becomes make-up
  volume;
- in a later contract year, take above that year's obligation **recovers**
  make-up volume, oldest first, at most ``make_up_fraction x ACQ`` a year;
- without a make-up right (``make_up_fraction = 0``) paid-not-taken volume is
  not banked; make-up volume not recovered within ``make_up_years`` contract years
  **expires** at the end of the last of them;
- the **balance** is what stays recoverable at the end of the year.

One implementation for every engine: it runs on the engines' arrays, after them.
"""

from __future__ import annotations

import numpy as np

from flowsim.arrays import BoolArray, FloatArray, IntArray
from flowsim.plan import Plan

__all__ = ["contract_accounts"]


def contract_accounts(plan: Plan, arrays: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """``paid_not_taken``, ``make_up_recovered``, ``make_up_expired`` and
    ``make_up_balance`` of each member, contract year and route, shape (M, years,
    routes), from the engines' ``contract_take`` and ``contract_unavailable`` (NaN for a
    route without contract and a contract year the horizon cuts short)."""
    deal = plan.contracts
    take = arrays["contract_take"]
    names = ("paid_not_taken", "make_up_recovered", "make_up_expired", "make_up_balance")
    acq = deal.acq[None, :, :]  # NaN: no contract, or a contract year cut short
    obligation = np.maximum(deal.min_take * acq - arrays["contract_unavailable"], 0.0)
    paid = np.maximum(obligation - take, 0.0)  # NaN where acq is
    complete = ~np.isnan(acq)
    out = {"paid_not_taken": paid}  # the make-up accounts: 0 without a make-up right
    out |= {name: np.where(complete, np.zeros_like(take), np.nan) for name in names[1:]}
    banked = np.flatnonzero((deal.make_up > 0.0) & complete.any(axis=(0, 1)))
    if banked.size:  # only routes with a make-up right keep a bank
        room = np.minimum(np.maximum(take - obligation, 0.0), deal.make_up * acq)
        accounts = _make_up(
            paid[..., banked], room[..., banked], complete[..., banked], deal.make_up_years[banked]
        )
        for name, values in zip(names[1:], accounts, strict=True):
            out[name][..., banked] = values
    return out


def _make_up(
    paid: FloatArray, room: FloatArray, complete: BoolArray, years: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The make-up bank of routes with a make-up right, year by year: recovered, expired
    and the balance (NaN in years cut short), each shaped like ``paid`` (M, years,
    routes); ``room``: what each year's take above its obligation may recover."""
    m, n_years, routes = paid.shape
    recovered, expired, balance = (np.full(paid.shape, np.nan) for _ in range(3))
    bank = np.zeros((m, n_years, routes))  # make-up volume still held, by the year paid
    for y in range(n_years):
        done = complete[:, y]  # (1, routes)
        got = np.zeros((m, routes))
        wanted = np.where(done, room[:, y], 0.0)
        for z in range(y):  # oldest first
            taken = np.minimum(bank[:, z], wanted - got)
            bank[:, z] -= taken
            got += taken
        bank[:, y] = np.where(done, paid[:, y], 0.0)
        lapsed = np.zeros((m, routes))
        for z in range(y + 1):  # paid in year z, recoverable through year z + years
            ends = z + years == y
            lapsed += np.where(ends, bank[:, z], 0.0)
            bank[:, z] = np.where(ends, 0.0, bank[:, z])
        for values, value in ((recovered, got), (expired, lapsed), (balance, bank.sum(axis=1))):
            values[:, y] = np.where(done, value, np.nan)
    return recovered, expired, balance

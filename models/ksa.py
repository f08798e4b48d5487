"""The KSA route: the portfolio's route (full or condensed), biography, experience log, self-directed study and reference requests."""
from __future__ import annotations

"""Formal training: the course record with its learning hours, assessed case studies and university supervision; CTS-R ratings and PWP live assessments."""
from __future__ import annotations

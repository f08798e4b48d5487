"""Which presentation group a presenting problem belongs to, for the training-case mix (anxiety, trauma, mood).

BABCP's Minimum Training Standards ask for training cases across an anxiety disorder, a trauma or
stressor-related disorder and a mood disorder (docs/pathways.md, `training-cases`). A case records
only its presenting problem (the ids of competences/data/outcome_measures.toml); this table is the
one place that decides the group, so the snapshot builder, the case pages and tests agree.

Decisions, following the ICD-11 chapter each problem sits in:

* Anxiety and fear-related disorders (GAD, panic, agoraphobia, social anxiety, specific phobia,
  separation anxiety) and the obsessive-compulsive related ones (OCD, health anxiety — ICD-11
  puts hypochondriasis there — and body dysmorphic disorder) are "anxiety".
* PTSD, complex PTSD, adjustment disorder and prolonged grief are "trauma" (ICD-11: disorders
  specifically associated with stress).
* Depression, dysthymia and mixed anxiety and depressive disorder are "mood": ICD-11 classes
  mixed depressive and anxiety disorder (6A73) among the depressive disorders (ICD-10 had it under
  anxiety, F41.2), so a mixed case counts as the mood case and never as a second anxiety case.
* Anything else, or a problem id not listed here, is "other" and so fills no part of the mix.
"""
from __future__ import annotations

import types
from collections.abc import Mapping

ANXIETY = "anxiety"
TRAUMA = "trauma"
MOOD = "mood"
OTHER = "other"

#: The groups a Case.presentation_group may take (the cases rule kind accepts the same four).
GROUPS: tuple[str, ...] = (ANXIETY, TRAUMA, MOOD, OTHER)

#: Presenting problem id → presentation group.
PRESENTATION_GROUPS: Mapping[str, str] = types.MappingProxyType({
    "gad": ANXIETY,
    "panic": ANXIETY,
    "agoraphobia": ANXIETY,
    "social_anxiety": ANXIETY,
    "specific_phobia": ANXIETY,
    "separation_anxiety": ANXIETY,
    "ocd": ANXIETY,
    "health_anxiety": ANXIETY,
    "body_dysmorphic_disorder": ANXIETY,
    "ptsd": TRAUMA,
    "complex_ptsd": TRAUMA,
    "adjustment_disorder": TRAUMA,
    "prolonged_grief": TRAUMA,
    "depression": MOOD,
    "dysthymia": MOOD,
    "mixed_anxiety_depression": MOOD,
})


def presentation_group(problem: str) -> str:
    """The group of a presenting problem id; "other" for anything not in the table."""
    return PRESENTATION_GROUPS.get(problem, OTHER)

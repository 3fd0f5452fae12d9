"""Shared fixtures: the conformance vectors of the repository (never copied here)."""

from __future__ import annotations

import json
import pathlib
from typing import Any, Dict, List

VECTORS_DIR = pathlib.Path(__file__).resolve().parents[2] / "tests" / "vectors"


def load_vectors() -> List[Dict[str, Any]]:
    doc = json.loads((VECTORS_DIR / "vectors.json").read_text(encoding="utf-8"))
    assert doc["format"] == "backstage-identity-vectors/1"
    cases: List[Dict[str, Any]] = doc["cases"]
    return cases


def case_by_id(case_id: str) -> Dict[str, Any]:
    for case in load_vectors():
        if case["id"] == case_id:
            return case
    raise KeyError(case_id)

"""Hostile transcripts and codebooks for the output-hardening tests (issue 14)."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from .conftest import CODEBOOK

#: Speaker -> text of a JSON transcript whose cells a spreadsheet would run as formulas, or
#: that carry control characters XML and terminals cannot take.
HOSTILE_TURNS = [
    ("Moderator", "Apa kendala inovasinya?"),
    ('=HYPERLINK("http://evil.example","klik")',
     "=1+1 Anggarannya dipangkas separuh, aplikasi belum bisa dikembangkan."),
    ("@Sari", "+Operator cuma satu orang, kalau cuti layanan online berhenti."),
    ("-Budi", "-Pimpinan kami sangat mendukung, tiap minggu menanyakan progres."),
    ("'=Dedi", "'=Jaringan internet di kelurahan sering putus, sinyal lemah."),
    ("'Rina", "'Kadis kami turun langsung, anggaran inovasi dinaikkan."),
    ("Pak\x01Joko\x0b", "Jaringan\x0b internet\x1b[31m sering putus, \x01 operator cuti."),
    ("Ibu\u0085Ani\ufffe", "Regulasinya\x0c belum jelas, SK-nya belum keluar."),
]


def write_hostile_transcript(folder: Path, name: str = "+fgd-hostile.json") -> Path:
    """A JSON transcript with the hostile turns (its id starts with ``+`` too)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps({"turns": [{"speaker": s, "text": t}
                                          for s, t in HOSTILE_TURNS]}), encoding="utf-8")
    return path


def write_hostile_codebook(path: Path) -> Path:
    """The starter codebook with control characters in its name, a theme and a code."""
    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    data["name"] = "Ekosistem\x01 Inovasi\x0b \x1b[2J"
    data["themes"][0]["label"] = "Faktor\x0c organisasi\x7f"
    data["codes"][0]["label"] = "=Kepemimpinan\x01 dan komitmen\x0b pimpinan"
    data["codes"][0]["definition"] = "-Peran\x08 pimpinan " + data["codes"][0]["definition"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path

#!/usr/bin/env python3
"""Writes the ministry-layout fixtures of election-data/fixtures/ministry/.

One small commune (13004, three bureaux) in each layout the ministry has
published its per-bureau file in, with the percentages computed here, apart
from the Rust encoder (integers, half-up to two decimals), so the codec's
round-trip tests compare it against an independent writer. Each fixture also
comes "saved by a spreadsheet" (suffix -tableur): percentages shortened
(1,10 -> 1,1; 1,00 -> 1), codes without their leading zeros, CRLF.

Usage: python3 scripts/ministry-fixtures.py   (from the repository root)
"""

import os
import re

OUT = "election-data/fixtures/ministry"

LEGACY_BASE = ["Code du département", "Libellé du département", "Code de la circonscription",
               "Libellé de la circonscription", "Code de la commune", "Libellé de la commune",
               "Code du b.vote", "Inscrits", "Abstentions", "% Abs/Ins", "Votants", "% Vot/Ins",
               "Blancs", "% Blancs/Ins", "% Blancs/Vot", "Nuls", "% Nuls/Ins", "% Nuls/Vot",
               "Exprimés", "% Exp/Ins", "% Exp/Vot"]
BASE_2024 = ["Code département", "Libellé département", "Code commune", "Libellé commune", "Code BV",
             "Inscrits", "Votants", "% Votants", "Abstentions", "% Abstentions", "Exprimés",
             "% Exprimés/inscrits", "% Exprimés/votants", "Blancs", "% Blancs/inscrits",
             "% Blancs/votants", "Nuls", "% Nuls/inscrits", "% Nuls/votants"]


def pct(part, whole, sign=False):
    if whole == 0:
        h = 0
    else:
        h = (2 * part * 10000 + whole) // (2 * whole)
    s = f"{h // 100},{h % 100:02d}"
    return s + "%" if sign else s


def record(fields):
    out = []
    for f in fields:
        f = str(f)
        if any(c in f for c in ';"\r\n'):
            f = '"' + f.replace('"', '""') + '"'
        out.append(f)
    return ";".join(out) + "\n"


# (bureau, inscrits, votants, blancs, nuls, voix per candidate, circonscription)
CANDIDATE_PVS = [
    ("0001", 1005, 712, 9, 5, [240, 301, 157], ("15", "15ème circonscription")),
    ("0002", 1200, 800, 12, 8, [300, 303, 177], ("15", "15ème circonscription")),
    ("0003", 830, 561, 0, 3, [100, 400, 58], ("16", "16ème circonscription")),
]
CANDIDATES = [  # number, sexe, nom, prénom, nuance, elu (2024)
    (1, "F", "ARNAUD", "Nathalie", "UG", "QUALIF T2"),
    (2, "M", "BERTRAND", "Julien", "ENS", "QUALIF T2"),
    (3, "F", "CHEVALIER", "Sophie", "RN", "NON"),
]
LIST_PVS = [
    ("0001", 1005, 712, 9, 5, [240, 301, 157, 0]),
    ("0002", 1200, 820, 12, 8, [205, 303, 177, 115]),
    ("0003", 830, 561, 0, 3, [100, 400, 50, 8]),
]
LISTS = [  # number, nuance, short label, label, tête: nom, prénom, sexe; seats CM, CC, secteur
    (1, "LUG", "VALBONNE EN COMMUN", "Valbonne en commun ; pour une ville solidaire", "ARNAUD", "Nathalie", "F", 7, 2),
    (2, "LDVC", "AVENIR VALBONNE", "L'avenir de Valbonne-sur-Rhône", "BERTRAND", "Julien", "M", 18, 4),
    (3, "LRN", "VALBONNE D'ABORD", "Valbonne d'abord, \"vraiment\"", "CHEVALIER", "Sophie", "F", 4, 1),
    (4, "LDIV", "VIVRE ICI", "Vivre ici", "DUMAS", "Paul", "M", 0, 0),
]
DEP = ("13", "Bouches-du-Rhône")
COMMUNE = ("004", "Valbonne-sur-Rhône")


def counts_legacy(code, ins, vot, bl, nu, circ=None):
    ex = vot - bl - nu
    ab = ins - vot
    row = [DEP[0], DEP[1]]
    if circ is not None:
        row += [circ[0], circ[1]]
    row += [COMMUNE[0], COMMUNE[1], code, ins, ab, pct(ab, ins), vot, pct(vot, ins),
            bl, pct(bl, ins), pct(bl, vot), nu, pct(nu, ins), pct(nu, vot),
            ex, pct(ex, ins), pct(ex, vot)]
    return row, ex


def counts_2024(code, ins, vot, bl, nu):
    ex = vot - bl - nu
    ab = ins - vot
    s = True
    row = [DEP[0], DEP[1], DEP[0] + COMMUNE[0], COMMUNE[1], code, ins, vot, pct(vot, ins, s),
           ab, pct(ab, ins, s), ex, pct(ex, ins, s), pct(ex, vot, s), bl, pct(bl, ins, s),
           pct(bl, vot, s), nu, pct(nu, ins, s), pct(nu, vot, s)]
    return row, ex


def candidates_2014():
    out = record(LEGACY_BASE + ["N°Panneau", "Sexe", "Nom", "Prénom", "Nuance", "Voix", "% Voix/Ins", "% Voix/Exp"])
    for code, ins, vot, bl, nu, voix, circ in CANDIDATE_PVS:
        row, ex = counts_legacy(code, ins, vot, bl, nu, circ)
        for (n, sexe, nom, prenom, nuance, _), v in zip(CANDIDATES, voix):
            row += [n, sexe, nom, prenom, nuance, v, pct(v, ins), pct(v, ex)]
        out += record(row)
    return out


def candidates_2024():
    head = list(BASE_2024)
    for k in range(1, len(CANDIDATES) + 1):
        head += [f"Numéro de panneau {k}", f"Nuance candidat {k}", f"Nom candidat {k}",
                 f"Prénom candidat {k}", f"Sexe candidat {k}", f"Voix {k}", f"% Voix/inscrits {k}",
                 f"% Voix/exprimés {k}", f"Elu {k}"]
    out = record(head)
    for code, ins, vot, bl, nu, voix, _ in CANDIDATE_PVS:
        row, ex = counts_2024(code, ins, vot, bl, nu)
        for (n, sexe, nom, prenom, nuance, elu), v in zip(CANDIDATES, voix):
            row += [n, nuance, nom, prenom, sexe, v, pct(v, ins, True), pct(v, ex, True), elu]
        out += record(row)
    return out


def lists_2024():
    head = list(BASE_2024)
    for k in range(1, len(LISTS) + 1):
        head += [f"Numéro de panneau {k}", f"Nom candidat {k}", f"Prénom candidat {k}",
                 f"Sexe candidat {k}", f"Nuance liste {k}", f"Libellé abrégé de liste {k}",
                 f"Libellé de liste {k}", f"Voix {k}", f"% Voix/inscrits {k}",
                 f"% Voix/exprimés {k}", f"Elu {k}", f"Sièges au CM {k}", f"Sièges au CC {k}"]
    out = record(head)
    for code, ins, vot, bl, nu, voix in LIST_PVS:
        row, ex = counts_2024(code, ins, vot, bl, nu)
        for (n, nuance, short, label, nom, prenom, sexe, cm, cc), v in zip(LISTS, voix):
            row += [n, nom, prenom, sexe, nuance, short, label, v, pct(v, ins, True),
                    pct(v, ex, True), "", cm, cc]
        out += record(row)
    return out


def europeennes_2019():
    base = [h for h in LEGACY_BASE if "circonscription" not in h]
    out = record(base + ["N°Liste", "Libellé Abrégé Liste", "Libellé Etendu Liste", "Nom Tête de Liste",
                         "Voix", "% Voix/Ins", "% Voix/Exp"])
    for code, ins, vot, bl, nu, voix in LIST_PVS:
        row, ex = counts_legacy(code, ins, vot, bl, nu)
        for (n, _, short, label, nom, prenom, _, _, _), v in zip(LISTS, voix):
            row += [n, short, label, f"{nom} {prenom}", v, pct(v, ins), pct(v, ex)]
        out += record(row)
    return out


def municipales_2020():
    base = ["Code B.Vote" if h == "Code du b.vote" else h for h in LEGACY_BASE if "circonscription" not in h]
    out = record(base + ["N.Pan.", "Code Nuance", "Sexe", "Nom", "Prénom", "Liste", "Sièges / Elu",
                         "Sièges Secteur", "Sièges CC", "Voix", "% Voix/Ins", "% Voix/Exp"])
    for code, ins, vot, bl, nu, voix in LIST_PVS:
        row, ex = counts_legacy(code, ins, vot, bl, nu)
        for (n, nuance, _, label, nom, prenom, sexe, cm, cc), v in zip(LISTS, voix):
            row += [n, nuance, sexe, nom, prenom, label, cm, "", cc, v, pct(v, ins), pct(v, ex)]
        out += record(row)
    return out


# A législative circonscription of three communes (Finistère, 2nd), the
# bureaux numbered within each commune as the ministry does (0001 repeats).
CIRCONSCRIPTION = ("29", "Finistère", "02", "2ème circonscription")
CIRC_CANDIDATES = [(1, "F", "LE GALL", "Maëlle", "NUP"), (2, "M", "KERMARREC", "Yann", "ENS"),
                   (3, "F", "MORVAN", "Anne", "LR"), (4, "M", "QUÉMÉNEUR", "Loïc", "RN")]
CIRC_COMMUNES = [  # commune code, label, bureaux: (inscrits, voix per candidate, blancs, nuls)
    ("019", "Brest", [(1320, [210, 305, 98, 140], 14, 6), (1105, [198, 250, 70, 122], 9, 4),
                      (987, [160, 201, 66, 99], 11, 5)]),
    ("075", "Guipavas", [(1450, [301, 356, 120, 141], 18, 7), (1210, [244, 301, 97, 133], 12, 3)]),
    ("189", "Plougastel-Daoulas", [(1389, [270, 344, 130, 111], 15, 9), (1012, [200, 233, 88, 96], 8, 2)]),
]


def circonscription_2022():
    out = record(LEGACY_BASE + ["N°Panneau", "Sexe", "Nom", "Prénom", "Nuance", "Voix", "% Voix/Ins", "% Voix/Exp"])
    for code, label, bureaux in CIRC_COMMUNES:
        for i, (ins, voix, bl, nu) in enumerate(bureaux):
            ex = sum(voix)
            vot = ex + bl + nu
            ab = ins - vot
            row = list(CIRCONSCRIPTION) + [code, label, f"{i + 1:04d}", ins, ab, pct(ab, ins), vot,
                                           pct(vot, ins), bl, pct(bl, ins), pct(bl, vot), nu,
                                           pct(nu, ins), pct(nu, vot), ex, pct(ex, ins), pct(ex, vot)]
            for (n, sexe, nom, prenom, nuance), v in zip(CIRC_CANDIDATES, voix):
                row += [n, sexe, nom, prenom, nuance, v, pct(v, ins), pct(v, ex)]
            out += record(row)
    return out


def spreadsheet(text):
    """What LibreOffice or Excel writes back: shortened decimals, codes
    without leading zeros, CRLF."""
    lines = text.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        if not line:
            continue
        cells = line.split(";")
        fixed = []
        for c in cells:
            m = re.fullmatch(r"(\d+),(\d\d)(%?)", c)
            if m:
                i, d, s = m.groups()
                d = d.rstrip("0")
                c = f"{i},{d}{s}" if d else f"{i}{s}"
            elif re.fullmatch(r"0\d+", c):
                c = c.lstrip("0") or "0"
            fixed.append(c)
        out.append(";".join(fixed))
    return "\r\n".join(out) + "\r\n"


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, text in [("candidats-2014.csv", candidates_2014()),
                       ("candidats-2024.csv", candidates_2024()),
                       ("listes-2024.csv", lists_2024()),
                       ("europeennes-2019.csv", europeennes_2019()),
                       ("municipales-2020.csv", municipales_2020()),
                       ("circonscription-2022.csv", circonscription_2022())]:
        with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="") as f:
            f.write(text)
        with open(os.path.join(OUT, name.replace(".csv", "-tableur.csv")), "w", encoding="utf-8", newline="") as f:
            f.write(spreadsheet(text))


if __name__ == "__main__":
    main()

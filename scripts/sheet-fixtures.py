#!/usr/bin/env python3
"""Writes the spreadsheet fixtures (.xlsx, .ods) from CSV fixtures (and two with one bad
cell, for the messages), typed as a
spreadsheet would type them when it opens the CSV file: whole numbers and
decimal-comma numbers become numeric cells (so codes lose their leading zeros
when `codes_as_numbers`), the rest text. Only the standard library: the files
are the minimal valid OOXML and OpenDocument packages.

Usage: python3 scripts/sheet-fixtures.py   (from the repository root)
"""

import csv
import io
import re
import zipfile
from xml.sax.saxutils import escape

MIN = "election-data/fixtures/ministry"
SETUP = "election-data/fixtures/setup"


def typed(cell, codes_as_numbers):
    """(kind, value) of a cell: ('n', number text) or ('s', text)."""
    if re.fullmatch(r"0\d+", cell):
        return ("n", str(int(cell))) if codes_as_numbers else ("s", cell)
    if re.fullmatch(r"\d+", cell):
        return ("n", cell)
    m = re.fullmatch(r"(\d+),(\d+)", cell)
    if m:
        return ("n", f"{m.group(1)}.{m.group(2)}")
    return ("s", cell)


def rows_of(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f, delimiter=";"))


def col_name(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def xlsx(rows, sheet, out, codes_as_numbers):
    data = []
    for r, row in enumerate(rows, 1):
        cells = []
        for c, v in enumerate(row):
            if v == "":
                continue
            ref = f"{col_name(c)}{r}"
            kind, val = typed(v, codes_as_numbers) if r > 1 else ("s", v)
            if kind == "n":
                cells.append(f'<c r="{ref}"><v>{val}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(val)}</t></is></c>')
        data.append(f'<row r="{r}">{"".join(cells)}</row>')
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData>{"".join(data)}</sheetData></worksheet>',
    }
    write_zip(out, files)


def ods(rows, sheet, out, codes_as_numbers):
    data = []
    for r, row in enumerate(rows, 1):
        cells = []
        for v in row:
            if v == "":
                cells.append("<table:table-cell/>")
                continue
            kind, val = typed(v, codes_as_numbers) if r > 1 else ("s", v)
            if kind == "n":
                cells.append(f'<table:table-cell office:value-type="float" office:value="{val}"><text:p>{val}</text:p></table:table-cell>')
            else:
                cells.append(f'<table:table-cell office:value-type="string"><text:p>{escape(val)}</text:p></table:table-cell>')
        data.append(f'<table:table-row>{"".join(cells)}</table:table-row>')
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="{escape(sheet)}">'
               f'{"".join(data)}</table:table></office:spreadsheet></office:body></office:document-content>')
    files = {
        "mimetype": "application/vnd.oasis.opendocument.spreadsheet",
        "META-INF/manifest.xml": '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>",
        "content.xml": content,
    }
    write_zip(out, files)


def write_zip(out, files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    with open(out, "wb") as f:
        f.write(buf.getvalue())


def main():
    import os
    os.makedirs(SETUP, exist_ok=True)
    for name in ["candidats-2014", "candidats-2024", "listes-2024", "europeennes-2019", "municipales-2020",
                 "circonscription-2022"]:
        rows = rows_of(f"{MIN}/{name}.csv")
        xlsx(rows, "Résultats", f"{MIN}/{name}.xlsx", True)
        ods(rows, "Résultats", f"{MIN}/{name}.ods", True)
    # One bad cell each, for the error messages naming the sheet.
    rows = rows_of(f"{MIN}/listes-2024.csv")
    rows[3][rows[0].index("Inscrits")] = "83O"
    xlsx(rows, "Résultats", f"{MIN}/listes-2024-erreur.xlsx", True)
    rows = rows_of(f"{SETUP}/bureaux.csv")
    rows[2][rows[0].index("Inscrits")] = "1O45"
    ods(rows, "Bureaux", f"{SETUP}/bureaux-erreur.ods", False)
    for name, sheet in [("bureaux", "Bureaux"), ("candidats", "Candidats")]:
        rows = rows_of(f"{SETUP}/{name}.csv")
        xlsx(rows, sheet, f"{SETUP}/{name}.xlsx", False)
        ods(rows, sheet, f"{SETUP}/{name}.ods", False)


if __name__ == "__main__":
    main()

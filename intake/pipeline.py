"""The decision pipeline: (message, inspection) -> Decision, per docs classify-contract.md.

normalise -> scan (one Aho-Corasick pass) -> places, posts, roster -> conduct and category ->
subject tier -> scope -> route. Pure, deterministic and total: any text gives a Decision.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from intake.classify import (
    Conduct,
    choose_category,
    conduct,
    disciplines_of,
    is_no_content,
    signals,
)
from intake.classify_scope import tier_of
from intake.extraction.lexicons import load_lexicons
from intake.extraction.places import LEVEL_RANK, Place, generic_places, resolve_places
from intake.extraction.scanner import Hit, scan
from intake.extraction.sectors import sector_scores, top_sector
from intake.extraction.subjects import LEADING_ROLES, REGION_ROLES, Body, Context, find_bodies
from intake.inspection import Inspection
from intake.models import Category, Decision, InboundMessage, Scope, Subject, Target, Tier
from intake.normalise import normalise, status_query
from routing.directory import body_name
from routing.divisions import Divisions, load_divisions
from routing.rules import Accused, Route, route_accusation, route_appeal, route_litigation, route_suggestion

__all__ = ["decide", "status_query"]

# Reports longer than this are read in their first part only: the facts come first, and the cost of
# extraction must stay bounded for a 100,000-character paste.
_ANALYSED_CHARS = 6000
_TIER_RANK = {Tier.LEADERSHIP: 3, Tier.NEXT_PRINCIPAL: 2, Tier.KEY_POSTS: 1, None: 0}
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
        "干事",
        "工作人员",
        "司机",
        "驾驶员",
    }
)
_NEAR = 40  # characters between an official and a conduct cue for the cue to be read as theirs
_SENTENCE_END = frozenset("。！？!?；;\n")
_SELF = re.compile(r"(?:我是|本人是|我作为|我们是)$")


@dataclass(frozen=True, slots=True)
class Compiled:
    """What decide() needs from an inspection, computed once per inspection."""

    ctx: Context
    unit_region: str | None
    roster: tuple[tuple[str, str, Tier], ...]
    default_region: str


@lru_cache(maxsize=64)
def compile_inspection(inspection: Inspection) -> Compiled:
    """The per-inspection context: target names, territory, roster (cached)."""
    divisions = load_divisions()
    t = inspection.target
    territory = divisions.current_code(t.region) or t.region
    names = tuple(sorted({t.name, *t.aliases}, key=len, reverse=True))
    unit = t.type == "unit"
    if unit:
        # 省审计厅 and 河南省审计厅 name the same unit as 审计厅.
        extra = {("省" + n) for n in names if not n.startswith(("省", "市", "县"))}
        prov = divisions.get(territory)
        if prov is not None:
            extra |= {prov.name + n for n in names}
        names = tuple(sorted(set(names) | extra, key=len, reverse=True))
    ctx = Context(
        unit=unit, unit_names=names if unit else (), target_names=names, level=t.level, territory=territory
    )
    roster = tuple((p.name, p.post, p.tier) for p in inspection.scope.people)
    return Compiled(ctx, territory if unit else None, roster, territory)


def _find_all(text: str, words: tuple[str, ...], layer: str) -> list[Hit]:
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []
    for w in words:  # longest first, so 省审计厅 wins over 审计厅
        start = text.find(w)
        while start != -1:
            end = start + len(w)
            if not any(s < end and start < e for s, e in taken):
                hits.append(Hit(start, end, layer, w))
                taken.append((start, end))
            start = text.find(w, end)
    hits.sort(key=lambda h: h.start)
    return hits


def decide(message: InboundMessage, inspection: Inspection) -> Decision:
    """The suggested decision for one message under one inspection; never raises."""
    try:
        return _decide(message, inspection)
    except Exception as exc:  # totality: the officer must always get an item to look at
        region = inspection.target.region
        return Decision(
            id=message.id,
            scope=Scope.OUT_OF_SCOPE,
            category=Category.APPEAL,
            region=region,
            target=Target(kind="petition", region=region, name=body_name("petition", region)),
            reasons=[f"internal error ({type(exc).__name__}): check by hand"],
            confidence=0.0,
        )


# Hashing a pydantic Inspection costs more than a small decision: look it up by identity first.
_BY_ID: dict[int, tuple[Inspection, Compiled]] = {}


def _compiled(inspection: Inspection) -> Compiled:
    hit = _BY_ID.get(id(inspection))
    if hit is not None and hit[0] is inspection:
        return hit[1]
    comp = compile_inspection(inspection)
    if len(_BY_ID) >= 64:
        _BY_ID.clear()
    _BY_ID[id(inspection)] = (inspection, comp)  # holds the object, so its id is not reused meanwhile
    return comp


def _decide(message: InboundMessage, inspection: Inspection) -> Decision:
    comp = _compiled(inspection)
    ctx = comp.ctx
    divisions = load_divisions()
    reasons: list[str] = []

    tracking = status_query(message.text)
    if tracking is not None:
        return Decision(
            id=message.id,
            scope=Scope.NO_CONTENT,
            category=Category.NO_CONTENT,
            reasons=[f"status query for {tracking}, answered automatically"],
            confidence=0.95,
        )

    text = normalise(message.text)
    if message.subject:
        text = normalise(message.subject) + "\n" + text
    if len(text) > _ANALYSED_CHARS:
        text = text[:_ANALYSED_CHARS]
        reasons.append(f"long text: the first {_ANALYSED_CHARS} characters were analysed")

    hits = scan(text)
    targets = _find_all(text, ctx.unit_names, "target") if ctx.unit else []
    roster_hits = _find_all(text, tuple(n for n, _, _ in comp.roster), "roster")
    places = resolve_places(hits["place"], text, ctx.territory, divisions)
    places = sorted(places + generic_places(text, places, ctx.territory, divisions), key=lambda p: p.start)
    bodies = [
        b
        for b in find_bodies(text, hits, places, targets, ctx, divisions)
        if not _is_team(b) and not b.addressee
    ]
    cues = conduct(text, hits)
    sig = signals(hits)
    sectors = sector_scores(text, hits)

    has_substance = bool(
        cues
        or bodies
        or places
        or roster_hits
        or hits["sector"]
        or sig.has("litigation")
        or sig.has("report")
        or targets
    )
    # With substance found, nothing can make the text empty: skip the character counts.
    empty, why_empty = (False, "") if has_substance else is_no_content(text, sig, has_substance)
    if empty:
        return Decision(
            id=message.id,
            scope=Scope.NO_CONTENT,
            category=Category.NO_CONTENT,
            reasons=[*reasons, f"no content: {why_empty}"],
            confidence=0.9,
        )

    # Who: roster names first (named in the inspection file), then posts by tier, then nearness to conduct.
    asserted = [c for c in cues if not c.denied and not c.asked]
    denied = [c for c in cues if c.denied or c.asked]
    subject: Subject | None = None
    chosen: Body | None = None
    tier: Tier | None = None
    tier_why = ""
    if roster_hits:
        name = roster_hits[0].word
        post, rtier = next((p, t) for n, p, t in comp.roster if n == name)
        tier = rtier if rtier in inspection.scope.tiers else None
        subject = Subject(name=name, post=post or None, unit=inspection.target.name, tier=tier)
        tier_why = f"{name} ({post}) is on the inspection's roster ({rtier.value})"
    else:
        scored: list[tuple[tuple[int, int, int, int], Body, Tier | None, str]] = []
        for b in bodies:
            bt, why = tier_of(b, ctx, divisions)
            if b.role == "leader" and b.implicit:
                bt, why = None, f"{b.post}: no body named"
            if bt is not None and bt not in inspection.scope.tiers:
                why = f"{why}; tier {bt.value} not taken by this inspection"
                bt = None
            near = min((abs(c.start - b.end) for c in asserted), default=10_000)
            sender = _SELF.search(text[max(0, b.start - 8) : b.start]) is not None
            supports = any(_supports(b, c, text) for c in asserted)
            key = (0 if sender else 1, int(supports), _TIER_RANK[bt] if near < 60 else 0, -near)
            scored.append((key, b, bt, why))
        if scored:
            scored.sort(key=lambda s: s[0], reverse=True)
            _, chosen, tier, tier_why = scored[0]
            subject = Subject(name=None, post=chosen.post, unit=_unit_label(chosen, inspection), tier=tier)

    if roster_hits:
        official = any(c.strength >= 2 or abs(c.start - roster_hits[0].end) <= _NEAR for c in asserted)
    else:
        official = chosen is not None and any(_supports(chosen, c, text) for c in asserted)
    strong_alone = [
        c
        for c in asserted
        if c.strength >= 2 and c.disciplines[0].value in ("political", "organizational", "illegal")
    ]
    accusation = (bool(asserted) and bool(official)) or bool(strong_alone and sig.has("report"))
    vague = bool(official) and not asserted and sig.has("suggestion")
    about_target = bool(targets) or any(n in text for n in ctx.target_names)
    category, cat_why = choose_category(
        accusation=accusation,
        sig=sig,
        sector_total=sum(sectors.values()),
        sector_top=max(sectors.values(), default=0),
        about_target=about_target,
        vague_subject=vague,
    )
    if category != Category.ACCUSATION:
        tier = None
        if subject is not None:
            subject = subject.model_copy(update={"tier": None})
    disciplines = disciplines_of(cues) if category == Category.ACCUSATION else []

    confidence = 0.9
    if category == Category.ACCUSATION:
        reasons.append(
            "conduct: "
            + "、".join(dict.fromkeys(c.cue for c in asserted))
            + f" ({', '.join(d.value for d in disciplines)})"
        )
        if tier_why:
            reasons.append("subject: " + tier_why)
        if chosen is None and not roster_hits:
            reasons.append("subject: no post or name; conduct alone")
            confidence -= 0.25
        elif chosen is not None and chosen.implicit:
            reasons.append(f"subject: {chosen.post} placed in the inspection's own territory by default")
            confidence -= 0.15
        if all(c.strength < 2 for c in asserted):
            confidence -= 0.15
    else:
        reasons.append(cat_why)
        if denied:
            reasons.append(
                "not asserted: "
                + "、".join(dict.fromkeys(("没有" if c.denied else "问: ") + c.cue for c in denied))
            )
            confidence -= 0.1
    if denied and asserted:
        confidence -= 0.1

    # Where: the accused's body, the court, or the most precise place named; else the team's region.
    region, region_why, ambiguous = _matter_region(text, places, chosen, category, hits, comp, divisions)
    if region_why:
        reasons.append(region_why)
    if ambiguous:
        confidence -= 0.2

    scope = Scope.IN_SCOPE if category == Category.ACCUSATION and tier is not None else Scope.OUT_OF_SCOPE
    target: Target | None = None
    if scope == Scope.IN_SCOPE:
        reasons.append("in scope: accusation against a subject in the inspection's tiers")
    else:
        route = _route(category, chosen, region, sectors, targets, comp, divisions, text)
        target = Target(
            kind=route.kind,
            region=route.region,
            name=body_name(route.kind, route.region, inspection.target.name),
        )
        reasons.append(f"route: {route.why} -> {target.name}")
        if route.kind == "petition" and category == Category.APPEAL:
            confidence -= 0.15
        if category == Category.APPEAL:
            top = sectors.most_common(2)
            if len(top) == 2 and top[0][1] - top[1][1] <= 1:
                confidence -= 0.15
                reasons.append(f"sector close call: {top[0][0]} {top[0][1]} vs {top[1][0]} {top[1][1]}")
    return Decision(
        id=message.id,
        scope=scope,
        category=category,
        disciplines=disciplines,
        subject=subject,
        region=region,
        target=target,
        reasons=reasons,
        confidence=round(max(0.05, min(0.99, confidence)), 2),
    )


def _supports(b: Body, c: Conduct, text: str) -> bool:
    """Whether conduct cue `c` is asserted of the official `b`: near it, and weak cues only of leaders."""
    if not _is_official(b):
        return False
    if c.strength < 2 and b.role not in LEADING_ROLES and b.role != "vstaff" and not b.in_unit:
        return False
    if abs(c.start - b.end) <= _NEAR:
        return True
    lo, hi = min(c.start, b.end), max(c.start, b.end)
    return not any(ch in _SENTENCE_END for ch in text[lo:hi])


def _is_team(b: Body) -> bool:
    return b.org is not None and b.org.type == "team"


def _is_official(b: Body) -> bool:
    if b.role in LEADING_ROLES or b.role == "vstaff":
        return not (b.role == "leader" and b.implicit)
    return b.post in _OFFICIAL_STAFF or b.kind in ("unit", "division", "dept", "station")


def _unit_label(b: Body, inspection: Inspection) -> str | None:
    if b.in_unit:
        return inspection.target.name + (b.org.word if b.org is not None and b.kind == "division" else "")
    parts = [b.place.word] if b.place is not None else []
    if b.org is not None:
        parts.append(b.org.word)
    return "".join(parts) or None


def _most_precise(places: list[Place]) -> Place | None:
    known = [p for p in places if p.code is not None or p.parent is not None]
    if not known:
        return None
    return max(known, key=lambda p: (LEVEL_RANK[p.level] if p.code else LEVEL_RANK[p.level] - 1.5, -p.start))


def _matter_region(
    text: str,
    places: list[Place],
    body: Body | None,
    category: Category,
    hits: dict[str, list[Hit]],
    comp: Compiled,
    divisions: Divisions,
) -> tuple[str, str, bool]:
    if comp.ctx.unit and body is not None and body.in_unit:
        return comp.default_region, "", False
    if category == Category.ACCUSATION and body is not None and not body.implicit and body.where:
        place = body.place
        return (
            body.where,
            f"region: {body.place.word if body.place else body.post} -> {body.where}",
            bool(place and place.ambiguous),
        )
    chosen: Place | None = None
    if category == Category.LITIGATION:
        courts = [
            h
            for h in hits["org"]
            if load_lexicons().orgs[h.word].type in ("court", "procuratorate", "police")
        ]
        for c in courts:
            before = [p for p in places if p.end <= c.start and c.start - p.end <= 6]
            if before:
                chosen = before[-1]
                break
    if chosen is None:
        chosen = _most_precise(places)
    if chosen is None:
        return comp.default_region, "region: no place named; the inspection's own region", False
    code = chosen.code or chosen.parent or comp.default_region
    why = f"region: {chosen.word} -> {code}"
    if chosen.ambiguous:
        why += f" (ambiguous: {', '.join(chosen.candidates)}; chose the one in or nearest the territory)"
    return code, why, chosen.ambiguous


def _route(
    category: Category,
    body: Body | None,
    region: str,
    sectors: Counter[str],
    targets: list[Hit],
    comp: Compiled,
    divisions: Divisions,
    text: str,
) -> Route:
    if category == Category.ACCUSATION:
        accused = None
        if body is not None:
            leadership = (
                body.kind == "region"
                and body.role in REGION_ROLES | {"leader"}
                and body.level in ("province", "city", "county")
            )
            accused = Accused(
                level=body.level,
                leadership=leadership,
                where=body.where or region,
                discipline_body=body.role == "disc"
                or (body.org is not None and body.org.type == "discipline"),
                in_unit=body.in_unit,
            )
        return route_accusation(accused, region, comp.unit_region)
    if category == Category.LITIGATION:
        return route_litigation(region)
    if category == Category.SUGGESTION:
        return route_suggestion(comp.unit_region, region)
    sector = top_sector(sectors)
    # A bare 厅长 is as often the reader as the inspected unit's head: only the unit named makes it theirs.
    unit_matter = comp.unit_region is not None and (
        bool(targets) or (body is not None and body.in_unit and not body.implicit)
    )
    return route_appeal(sector, region, unit_matter, comp.unit_region)

"""The decision pipeline: (message, inspection[, model]) -> Decision, per docs classify-contract.md.

normalise -> scan (one Aho-Corasick pass) -> places, posts, roster -> the officials named ->
the structure of the sentences (intake.structure), the lexicon's conduct words and the learned model
vote on the category (intake.vote) -> subject tier -> scope -> route -> the guard (never toward an
official the text names). Pure, deterministic and total: any text gives a Decision.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Final

from intake.bare_staff import STAFF_WORDS, only_bare_staff
from intake.classify import (
    Conduct,
    choose_category,
    conduct,
    disciplines_of,
    empty_anyway,
    is_no_content,
    signals,
)
from intake.extraction.lexicons import load_lexicons
from intake.extraction.places import generic_places, own_township, resolve_places
from intake.extraction.scanner import scan
from intake.extraction.sectors import sector_scores
from intake.extraction.subjects import find_bodies
from intake.facts import Facts
from intake.inspection import Inspection
from intake.models import Category, Decision, Discipline, InboundMessage, Reason, Scope, Target
from intake.no_sector import unlisted_matter
from intake.normalise import normalise, status_query
from intake.officials import Who, actors, choose_subject, lexicon_accusation, named_officials
from intake.petitioned import petitioned
from intake.pinyin_posts import mostly_latin, pinyin_official, pinyin_posts
from intake.post_owner import own_below_tiers, unplaced_leader
from intake.proposal import proposal_kind
from intake.reasons import render_en
from intake.roster_titles import roster_mentions
from intake.structure import StructureVote, find_structure
from intake.suggestion_sector import clear_lead, one_sectors_matter
from intake.textmodel import active_model
from intake.unit_context import compile_inspection, find_all, namesakes_dropped, subunits, unit_words
from intake.unit_trade import own_business
from intake.untold import asserted as told_of
from intake.vote import (
    EARN_ASSUMED_REGION,
    TextModel,
    Vote,
    accusation_chance,
    category_margin,
    combine_sectors,
    raw_confidence,
    unearned,
    unread_subject,
    vote_category,
)
from intake.where import Compiled, matter_region, route_for
from routing.directory import body_name
from routing.divisions import Divisions, load_divisions
from routing.guard import steer

__all__ = ["NO_MODEL", "Compiled", "compile_inspection", "decide"]

# Reports longer than this are read in their first part only: the facts come first, and the cost of
# extraction must stay bounded for a 100,000-character paste.
_ANALYSED_CHARS = 6000
# With a model, an appeal goes to a department only when the combined sector evidence reaches this.
_SECTOR_MIN = 0.15
# A weak conduct word alone (违法, 违规, 乱收费: strength 1, "conduct only when an official is its
# subject") votes for an accusation only when the model does not all but rule one out: real letters to
# a government board say 违法 of the official who handles their own matter. Out of fold: real messages
# to the right department 0.833 -> 0.844, taken as accusations 5.2% -> 3.8%, labelled rows unchanged;
# on the reader's development half (bench/real_categories.py) clear accusations found 4/8 either way,
# clear appeals taken as accusations 9 -> 7 of 233. Vetoing strong words too (贪腐, 回扣) reached
# 0.855 but lost 2 of those 8 accusations. An official of the inspected unit or region keeps the
# lexicon's vote: there the officer decides (issue 12, point 4).
LEXICON_VETO = 0.1
_DOUBT_CEILING = 0.5  # a doubtful decision stays below the queue's low-confidence line


def decide(
    message: InboundMessage, inspection: Inspection, model: TextModel | _NoModel | None = None
) -> Decision:
    """The suggested decision for one message under one inspection; never raises.

    `model` is the learned text model; None uses the process's active one (intake.textmodel:
    the one the service activated at start, else the shipped one), NO_MODEL decides with the
    structure and the lexicon alone. A model that fails to load or answer is left out."""
    try:
        return _decide(message, inspection, model)
    except Exception as exc:  # totality: the officer must always get an item to look at
        region = inspection.target.region
        grounds = [Reason(code="internal_error", args={"error": type(exc).__name__})]
        return Decision(
            id=message.id,
            scope=Scope.OUT_OF_SCOPE,
            category=Category.APPEAL,
            region=region,
            target=Target(kind="petition", region=region, name=body_name("petition", region)),
            reasons=render_en(grounds),
            grounds=grounds,
            confidence=0.0,
        )


def settle() -> None:
    """Load what the first decision would (lexicons, place names, the scanner's automaton, the
    model), then freeze every object the process holds out of the garbage collector's full passes.

    For a long-running process (`petition serve`, `petition worker`), once it has loaded: the
    lexicons and place names are some hundreds of thousands of objects that live as long as the
    process, and every full collection walked them all; frozen, a message's processing spends 0.04
    instead of 0.16 ms in the collector (bench.process_cost). Not for tests or short commands: what
    is frozen is never collected."""
    import gc

    scan("")
    active_model()
    gc.freeze()


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


def _extract(text: str, comp: Compiled, inspection: Inspection, divisions: Divisions) -> Facts:
    ctx = comp.ctx
    hits = scan(text)
    targets = find_all(text, ctx.unit_names, "target") if ctx.unit else []
    if ctx.unit_words:
        targets = targets + unit_words(text, ctx.unit_words, targets)
    if comp.subunits is not None:
        targets = subunits(text, comp.subunits, targets)
    targets.sort(key=lambda h: h.start)
    # 我是另一所高校的老师，我们学校的校长…: the unit's generic words and titles name another unit here.
    elsewhere = ctx.unit and _ELSEWHERE.search(text) is not None
    if elsewhere:
        targets = [t for t in targets if t.word in ctx.unit_names]
    roster_hits = roster_mentions(text, comp.roster)
    places = resolve_places(hits["place"], text, ctx.territory, divisions)
    if not ctx.unit and ctx.level == "township":
        places = own_township(text, places, ctx.target_names, ctx.territory)
    elif targets:  # 市中心医院 is the unit, not 市中(区)
        places = [p for p in places if not any(t.start <= p.start and p.end <= t.end for t in targets)]
    places = sorted(places + generic_places(text, places, ctx.territory, divisions), key=lambda p: p.start)
    targets = namesakes_dropped(text, targets, places, ctx.territory, ctx.level) if ctx.unit else targets
    bodies = [
        b
        for b in find_bodies(text, hits, places, targets, ctx, divisions)
        if not (b.org is not None and b.org.type == "team") and not b.addressee
    ]
    if elsewhere:
        bodies = [
            replace(b, in_unit=False, kind="unknown") if b.in_unit and b.implicit else b for b in bodies
        ]
    named = named_officials(text, bodies, roster_hits, comp, inspection, divisions)
    cues = conduct(text, hits)
    sig = signals(hits)
    substance = (
        bool(cues or bodies or places or roster_hits or hits["sector"] or targets)
        or sig.has("litigation")
        or sig.has("report")
    )
    told = told_of(text, cues, sig.has("plea"))
    staff = STAFF_WORDS.search(text) is not None
    return Facts(
        text, hits, targets, places, named, cues, sig, sector_scores(text, hits), substance, told, staff
    )


class _NoModel:
    """Passed as `model`, decides with the structure and the lexicon alone (the comparison baseline)."""

    version = "none"


NO_MODEL: Final = _NoModel()


def _ask_model(
    model: TextModel | _NoModel | None, text: str
) -> tuple[dict[Category, float] | None, dict[str, float] | None, TextModel | None]:
    """The model's probabilities; a failing model is left out (the structure still decides)."""
    if isinstance(model, _NoModel):
        return None, None, None
    try:
        if model is None:
            model = active_model()
        return model.category_proba(text), model.sector_proba(text), model
    except Exception:  # the decision must not fail with the model; the reasons show it was absent
        return None, None, None


def _text_of(message: InboundMessage, grounds: list[Reason]) -> str:
    text = pinyin_posts(normalise(message.text))
    if message.subject:
        text = normalise(message.subject) + "\n" + text
    if len(text) > _ANALYSED_CHARS:
        grounds.append(Reason(code="long_text", args={"chars": str(_ANALYSED_CHARS)}))
        text = text[:_ANALYSED_CHARS]
    return text


def _decide(message: InboundMessage, inspection: Inspection, model: TextModel | _NoModel | None) -> Decision:
    comp = _compiled(inspection)
    divisions = load_divisions()
    tracking = status_query(message.text)
    if tracking is not None:
        status = [Reason(code="status_query", args={"tracking": tracking})]
        return _decision(message, Scope.NO_CONTENT, Category.NO_CONTENT, status, 0.95)
    grounds: list[Reason] = []
    text = _text_of(message, grounds)
    f = _extract(text, comp, inspection, divisions)
    plain = not f.substance or empty_anyway(text, f.sig)
    empty, why, words = is_no_content(text, f.sig, False) if plain else (False, "", "")
    if empty:
        grounds.append(Reason(code="no_content", args={"why": why, "words": words}))
        return _decision(message, Scope.NO_CONTENT, Category.NO_CONTENT, grounds, 0.9)
    proba, sector_proba, used = _ask_model(model, text)
    # The officials the sender turns to for help (请局长过问一下) are not the ones the letter accuses.
    asked = {i for i, n in enumerate(f.named) if petitioned(text, n.start, n.end)}
    accusable = [n for i, n in enumerate(f.named) if i not in asked]
    struct = find_structure(
        text, [replace(a, asked=a.index in asked) for a in actors(f.named)], plea=f.sig.has("plea")
    )
    asserted = f.asserted
    # (an official asked for help is, like the sender's own post, the subject only when nobody else is)
    pool = [replace(n, sender=True) if i in asked else n for i, n in enumerate(f.named)]
    who = choose_subject(pool, struct, asserted, text, inspection)
    ranked = combine_sectors(f.sectors, sector_proba)
    rules, rules_words = choose_category(
        sig=f.sig, sector_top=max(f.sectors.values(), default=0), suggestion=proposal_kind(text, f.sig)
    )
    if rules is Category.APPEAL and struct.against in ("praise", "opinion"):
        # An opinion on an official with no conduct (为人正派; 不太深入基层) is a suggestion (policy 2).
        rules = Category.SUGGESTION
    unreadable = pinyin_official(text)
    local = any(n.tier is not None and not n.sender for n in accusable)
    vote = vote_category(
        structure=struct.accusation,
        lexicon=lexicon_accusation(accusable, asserted, text)
        and not _model_rules_out(proba, local, asserted),
        rules=rules,
        proba=proba,
        official=any(not n.sender for n in accusable),
        local_official=local or unreadable,
        unreadable=unreadable,
        against=struct.against is not None,
    )
    vote = replace(vote, margin=category_margin(proba), p_accuse=accusation_chance(proba))
    if vote.category is Category.NO_CONTENT:
        # The model reads an advertisement or a greeting that names a matter (代开发票, 回收购物卡):
        # no content, so no target and a prompt for the facts (policy 3), like the rules' own.
        grounds.append(Reason(code="no_content", args={"why": "model", "words": ""}))
        return _model_no_content(message, vote, used, grounds)
    return _finish(
        message, inspection, comp, divisions, f, struct, who, vote, ranked, rules_words, used, grounds
    )


def _model_rules_out(
    proba: dict[Category, float] | None, local_official: bool, asserted: list[Conduct]
) -> bool:
    """The model all but rules out an accusation that only weak conduct words support."""
    if proba is None or local_official or any(c.strength >= 2 for c in asserted):
        return False
    return proba[Category.ACCUSATION] < LEXICON_VETO


def _model_no_content(
    message: InboundMessage, vote: Vote, used: TextModel | None, grounds: list[Reason]
) -> Decision:
    """The model's no_content: no target, with the version of the model that decided it."""
    raw = raw_confidence(vote=vote, structure=False, penalties=0.0, sector_margin=None)
    conf = used.calibrate(raw) if used is not None else raw
    if used is not None:
        grounds.append(Reason(code="model", args={"version": used.version}))
    d = _decision(message, Scope.NO_CONTENT, Category.NO_CONTENT, grounds, round(conf, 2))
    return d.model_copy(update={"model_version": used.version if used is not None else None})


def _decision(
    message: InboundMessage, scope: Scope, category: Category, grounds: list[Reason], confidence: float
) -> Decision:
    return Decision(
        id=message.id,
        scope=scope,
        category=category,
        reasons=render_en(grounds),
        grounds=grounds,
        confidence=confidence,
    )


def _accusation_grounds(who: Who, struct: StructureVote, f: Facts) -> tuple[list[Reason], float]:
    """Who and what for an accusation, and the confidence they cost."""
    grounds: list[Reason] = []
    penalty = 0.0
    if who.subject is None:
        grounds.append(Reason(code="subject_none"))
        penalty += 0.25
    else:
        s = who.subject
        args = {"post": s.post or "", "unit": s.unit or "", "name": s.name or ""}
        grounds.append(Reason(code="subject", args={**args, "tier": s.tier.value if s.tier else ""}))
        if who.body is not None and who.body.implicit:
            grounds.append(Reason(code="subject_default", args={"post": s.post or ""}))
            # a post placed by default is a guess of whose post it is (0.15 was not enough: such
            # decisions were wrong on scope one time in ten when sure, out of fold by inspection)
            penalty += 0.25
    asserted = f.asserted
    disciplines = ",".join(d.value for d in _disciplines(struct, f))
    acts = struct.kinds if struct.acts else (["lexicon"] if asserted else struct.kinds)
    cues = "、".join(dict.fromkeys(c.cue for c in asserted))
    grounds.append(
        Reason(code="conduct", args={"acts": ",".join(acts), "disciplines": disciplines, "cues": cues})
    )
    if not struct.acts and asserted and all(c.strength < 2 for c in asserted):
        penalty += 0.15
    return grounds, penalty


def _decided_by(vote: Vote, struct: StructureVote) -> Reason:
    actor = struct.actor.label if struct.actor is not None else ""
    args = {
        "by": vote.by,
        "category": vote.category.value,
        "p": f"{vote.p:.2f}" if vote.p is not None else "",
        "actor": actor if vote.by in ("structure", "both") else "",
        "acts": ",".join(struct.kinds) if vote.by in ("structure", "both") else "",
    }
    return Reason(code="decided_by", args=args)


def _sector(
    category: Category, ranked: list[tuple[str, float]], f: Facts, with_model: bool
) -> tuple[str | None, list[Reason], float, float | None]:
    """The department's sector for an appeal or a suggestion, its grounds, penalty and margin."""
    if category not in (Category.APPEAL, Category.SUGGESTION) or not ranked:
        return None, [], 0.0, None
    unlisted = unlisted_matter(f.text) if category is Category.APPEAL else None
    if unlisted is not None:
        return None, [Reason(code="sector_none", args={"words": unlisted})], 0.0, None
    top, score = ranked[0]
    second = ranked[1] if len(ranked) > 1 else (None, 0.0)
    grounds: list[Reason] = []
    if not with_model:
        # A suggestion is one sector's matter only when that sector clearly leads (3 to 1, or 2 to 1
        # with strong evidence).
        if category is Category.SUGGESTION and not clear_lead(score, second[1]):
            return None, [], 0.0, None
        if second[0] is not None and score - second[1] <= 1:
            grounds.append(Reason(code="sector_close", args={"sector": top, "other": second[0]}))
            return top, grounds, 0.15, None
        return top, grounds, 0.0, None
    if category is Category.SUGGESTION and not one_sectors_matter(ranked, f.sectors):
        return None, [], 0.0, None
    if category is Category.APPEAL and score < _SECTOR_MIN and f.sectors.get(top, 0) < 2:
        return None, [], 0.0, None
    grounds.append(Reason(code="sector", args={"sector": top, "p": f"{score:.2f}"}))
    if second[0] is not None and score - second[1] < 0.1:
        grounds.append(Reason(code="sector_close", args={"sector": top, "other": second[0]}))
    return top, grounds, 0.0, score - second[1]


def _target(
    category: Category,
    who: Who,
    region: str,
    sector: str | None,
    f: Facts,
    comp: Compiled,
    inspection: Inspection,
    unit_staff: bool = False,
    unit_sector: bool = False,
) -> tuple[Target, list[Reason]]:
    """The body an out-of-scope item goes to, steered away from every official the text names."""
    # 苏州监狱的副监狱长 (below the tiers): the unit's own staff
    body = (
        own_below_tiers(who.body, f.text, f.places, comp.ctx) if category is Category.ACCUSATION else who.body
    )
    route = route_for(
        category, body, region, sector, f.targets, comp, unit_staff=unit_staff, unit_sector=unit_sector
    )
    kind, where, why = route.kind, route.region, route.code
    grounds: list[Reason] = []
    bars = [b for n in f.named for b in n.official.bars]
    moved = steer(kind, where, bars, accusation=category is Category.ACCUSATION)
    if moved is not None:
        barred_by = next((n for n in f.named if n.official.bars), None)
        post = barred_by.official.post if barred_by is not None else ""
        grounds.append(
            Reason(code="guard", args={"name": body_name(kind, where, inspection.target.name), "post": post})
        )
        kind, where = moved
        why = "guard"
    name = body_name(kind, where, inspection.target.name)
    grounds.append(Reason(code="route", args={"name": name, "why": why, "kind": kind}))
    return Target(kind=kind, region=where, name=name), grounds


def _what_grounds(
    vote: Vote, struct: StructureVote, who: Who, f: Facts, rules_words: str, grounds: list[Reason]
) -> float:
    """The grounds for what the item is (subject, conduct, who decided, denials); their penalty."""
    penalty = 0.0
    accusation = vote.category is Category.ACCUSATION
    if accusation:
        more, penalty = _accusation_grounds(who, struct, f)
        grounds.extend(more)
    else:
        words = rules_words if vote.by == "rules" else ""
        grounds.append(Reason(code="category", args={"category": vote.category.value, "words": words}))
    grounds.append(_decided_by(vote, struct))
    denied = [c for c in f.cues if c.denied or c.asked]
    if denied:
        cues = "、".join(dict.fromkeys(("没有" if c.denied else "问: ") + c.cue for c in denied))
        grounds.append(Reason(code="denied", args={"cues": cues}))
        penalty += 0.2 if accusation else 0.1
    officials = [n for n in f.named if not n.sender]
    tiered = any(n.tier is not None for n in officials)
    return penalty + unearned(
        vote,
        acts=bool(struct.acts),
        officials=len(officials),
        chars=len(f.text),
        tiered=tiered,
        tier_guessed=who.tier_guessed,
        principal=who.body is not None and who.body.principal,
    )


def _scope(vote: Vote, who: Who, f: Facts, comp: Compiled, grounds: list[Reason]) -> tuple[bool, str | None]:
    """In scope, and the doubt that made it so (or that the officer should see)."""
    accusation = vote.category is Category.ACCUSATION
    doubt = vote.doubt if accusation else None
    in_scope = accusation and who.tier is not None
    if accusation and not in_scope and (_unnamed_official(f, who, comp) or who.bodiless(f, doubt, comp.ctx)):
        # An accusation in a unit inspection that names the unit (or is written in pinyin or English)
        # but no post we can read: most likely about the unit's own people; the officer decides.
        in_scope, doubt = True, doubt or "official"
    elif accusation and not in_scope and any(n.tier is not None and not n.sender for n in f.named):
        # The subject chosen is below the tiers, but an official in them is named too (院长带设备科长去
        # 考察; 纪检组长和某市审计局局长是老乡): when unsure, in scope wins (issue 12, item 4).
        in_scope, doubt = True, doubt or "official"
    unplaced = accusation and not in_scope and _unplaced(who, f, comp, vote.doubt == "split")
    if unplaced:
        # A leading post nothing places outside the inspected unit (intake.post_owner): the officer decides.
        if doubt is not None:
            grounds.append(Reason(code="doubt", args={"why": doubt}))
        in_scope, doubt = True, "unplaced"
    if doubt is not None:
        # Only an item taken in scope may say so; out of scope, the doubt is the category's alone.
        grounds.append(Reason(code="doubt" if in_scope else "doubt_checked", args={"why": doubt}))
    return in_scope, doubt


def _unplaced(who: Who, f: Facts, comp: Compiled, split: bool) -> bool:
    subject = who.body if who.named is not None and not who.named.sender else None
    others = [n.body for n in f.named if n.body is not None and not n.sender]
    return unplaced_leader(subject, others, f.text, f.places, comp.ctx, split) is not None


def _assumed(
    region_grounds: list[Reason], ambiguous: bool, vote: Vote, who: Who, f: Facts, in_scope: bool
) -> float:
    """What the place and the scope assumed rather than read: an ambiguous place; no place named (the
    inspection's own region, vote.EARN_ASSUMED_REGION); an accusation sent away whose subject was never
    read (vote.unread_subject)."""
    region = EARN_ASSUMED_REGION if any(g.code == "region_default" for g in region_grounds) else 0.0
    unread = unread_subject(vote, subject=who.subject is not None, staff=f.staff, in_scope=in_scope)
    return (0.2 if ambiguous else 0.0) + region + unread


def _finish(
    message: InboundMessage,
    inspection: Inspection,
    comp: Compiled,
    divisions: Divisions,
    f: Facts,
    struct: StructureVote,
    who: Who,
    vote: Vote,
    ranked: list[tuple[str, float]],
    rules_words: str,
    used: TextModel | None,
    grounds: list[Reason],
) -> Decision:
    category = vote.category
    accusation = category is Category.ACCUSATION
    subject = who.subject
    if not accusation and subject is not None:
        subject = subject.model_copy(update={"tier": None})
    penalty = _what_grounds(vote, struct, who, f, rules_words, grounds)
    region, region_grounds, ambiguous = matter_region(
        f.text, f.places, who.body, category, f.hits, comp, divisions
    )
    grounds.extend(region_grounds)
    in_scope, doubt = _scope(vote, who, f, comp, grounds)
    penalty += _assumed(region_grounds, ambiguous, vote, who, f, in_scope)
    target: Target | None = None
    margin: float | None = None
    if in_scope:  # on a doubt with no tier read, only the doubt's reason may say it was taken in scope
        grounds.extend([Reason(code="in_scope")] if who.tier is not None else [])
    else:
        sector, sector_grounds, sector_penalty, margin = _sector(category, ranked, f, used is not None)
        target, route_grounds = _target(
            category,
            who,
            region,
            sector,
            f,
            comp,
            inspection,
            _unit_staff(f, comp),
            own_business(ranked, comp.unit_sector, comp.trade, f.text),
        )
        grounds.extend(route_grounds + sector_grounds)
        penalty += sector_penalty + (
            0.15 if target.kind == "petition" and category is Category.APPEAL else 0.0
        )
    raw = raw_confidence(vote=vote, structure=struct.accusation, penalties=penalty, sector_margin=margin)
    confidence = used.calibrate(raw) if used is not None else raw
    if doubt is not None:
        confidence = min(confidence, _DOUBT_CEILING)
    if used is not None:
        grounds.append(Reason(code="model", args={"version": used.version}))
    return Decision(
        id=message.id,
        scope=Scope.IN_SCOPE if in_scope else Scope.OUT_OF_SCOPE,
        category=category,
        disciplines=_disciplines(struct, f) if accusation else [],
        subject=subject,
        region=region,
        target=target,
        reasons=render_en(grounds),
        grounds=grounds,
        confidence=round(max(0.05, min(0.99, confidence)), 2),
        officials=[n.official for n in f.named if not n.sender],
        model_version=used.version if used is not None else None,
    )


# (each alternative starts with a character, so the regex engine skips to the candidate characters)
_ELSEWHERE = re.compile(
    r"另一[所家个]|"
    + "|".join(
        w + r"的?[\u4e00-\u9fff]{0,4}(?:学校|高校|大学|公司|单位|医院)" for w in ("其他", "外省", "外地")
    )
    + r"|一所省属|一家省属|一家(?:私立|民营|私人)|一所(?:私立|民营|私人)"
)


def _unit_staff(f: Facts, comp: Compiled) -> bool:
    """Staff of the inspected unit (学校保卫处的一个保安, 国土所的一个协管员) named as the one acting, and
    no official: the unit's own discipline organ takes it (policy 4.1, last row)."""
    named = any(not n.sender for n in f.named)  # 法官收钱: staff with no body, as good as no post
    if not comp.ctx.unit or not only_bare_staff(f.named) or not (named or f.staff):
        return False
    lex = load_lexicons().orgs
    own = any(lex[h.word].type == "division" or _shares_unit_stem(h.word, comp) for h in f.hits["org"])
    # 三矿调度室的一个调度员: written to the unit's team, no other body or place named, the unit's staff
    elsewhere = bool(f.places) or any(lex[h.word].type != "division" for h in f.hits["org"])
    return bool(f.targets) or own or not elsewhere


def _shares_unit_stem(word: str, comp: Compiled) -> bool:
    return len(word) >= 3 and any(n[:2] == word[:2] for n in comp.ctx.unit_names)


def _unnamed_official(f: Facts, who: Who, comp: Compiled) -> bool:
    if any(not n.sender for n in f.named) or f.staff:
        return False
    if pinyin_official(f.text):
        return True  # shenjiting de fu tingzhang …: a post we cannot place, so the officer decides
    return comp.ctx.unit and (bool(f.targets) or mostly_latin(f.text))


def _disciplines(struct: StructureVote, f: Facts) -> list[Discipline]:
    found = set(struct.disciplines) | set(disciplines_of(f.cues))
    return [d for d in Discipline if d in found]

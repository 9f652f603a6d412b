"""Staff named by a bare title in a letter to a unit's team: "法官收了律师的钱", "有个科员…" with no body
or place named. Written to the team inspecting a unit, such staff are the unit's own, below its tiers, and
their accusations go to the unit's own discipline organ (policy 4.1, last row), as the staff words of
STAFF_WORDS already do when no post is named."""

from __future__ import annotations

import re

from intake.officials import Named

__all__ = ["STAFF_WORDS", "only_bare_staff"]

# Staff without a leading post, named as the one acting: not the unit's officials.
STAFF_WORDS = re.compile(
    r"协管员|报账员|班长|采购员|材料员|测量员|测绘员|业务员|文员|保安|门卫|水电工|审计员|教授|老师|教师|会计|出纳|职工|员工|工人|"
    r"司机|科员|办事员|技术员|工作人员|临时工|合同工|保洁|厨师|收费员|驾驶员|车间主任|班组长|管理员|护士|药师|医生|"
    r"检测员|质检员|检验员|化验员|调度员|施工员|安全员|仓管员|保管员|售票员|宿管|营业员|柜员|客户经理|干警|"
    # 窗口一个年轻女的, 窗口有个姓杨的女的: whoever serves at the unit's counter
    r"窗口[^，。,；;！？!?]{0,8}?(?:女的|男的|小伙子|姑娘|大姐|阿姨|的人)|"
    # 一个讲解员: any …员. Each opening word is its own alternative, so that every alternative starts
    # with a character and the regex engine skips to the candidate characters (17 -> 3 µs a letter).
    + "|".join(
        w + r"[\u4e00-\u9fff]{0,4}(?<![委官党成议学])员(?![工会])" for w in ("一个", "一名", "有个", "普通")
    )
)


def only_bare_staff(named: list[Named]) -> bool:
    """Every official the text names (the sender aside) is staff with no body, no place and no unit
    named: nothing places them in another body, so they are the inspected unit's (the caller checks
    that the text names no other body or place either)."""
    others = [n for n in named if not n.sender]
    return all(
        n.body is not None
        and n.body.role == "staff"
        and n.body.org is None
        and n.body.place is None
        and (n.body.in_unit or n.body.kind == "unknown")
        for n in others
    )

"""The kinds of unit citizens bring their own business to, and the words they bring it in.

A citizen does not write to a city 公安局 about "the 公安局": they write about 交警, 出入境 or the
派出所; to a power company about 营业厅 and 电费; to a court about 执行款. For a unit inspection, an
appeal or a suggestion on such a service is the inspected unit's own business (policy 4.3, 4.4), whatever
department the rest of the text leans towards (停车场 to transport, 学校门口 to education).

The kind of unit is read from its name: the marker that ends latest in it decides (辽宁省交通高等专科学校
is a school, not a transport company; 中国石化湖南石油分公司 is an oil company). A unit of no kind listed
here (an 审计厅, a 民政厅: a department whose sector or trade says its business) gets no words, and the
same words in the inspection of a unit of another kind (交警 to a university) are not its own business.
"""

from __future__ import annotations

import re

__all__ = ["service_pattern", "unit_kind"]

# (kind, the markers of its name, the words of its own services and parts as citizens say them), each
# list written as one string of words split at spaces.
_TABLE: tuple[tuple[str, str, str], ...] = (
    (
        "police",
        "公安局 公安厅 公安分局",
        "交警 交管 车管所 派出所 出入境 户籍 户口 身份证 居住证 驾驶证 驾照 行驶证 "
        "违章 罚单 扣分 民警 辅警 警察 110",
    ),
    (
        "court",
        "法院 法庭",
        "立案 执行款 执行局 强制执行 法官 开庭 庭审 判决书 裁定书 诉讼费 诉讼服务 诉服 12368 法警",
    ),
    ("procuratorate", "检察院", "检察 控告申诉 公诉 12309"),
    ("weather", "气象", "天气预报 预报 预警 气象 人工增雨 人工降雨 防雷"),
    (
        "power",
        "电力 供电 电网 国网",
        "电费 停电 电表 供电 用电 电价 电线 电杆 高压线 电缆 变压器 营业厅 抄表 报装 95598 网上国网 充电桩",
    ),
    ("oil", "石油 石化", "加油站 加油卡 加油 油卡 油价 油品 汽油 柴油 易捷 加气站"),
    ("gas", "燃气", "燃气 天然气 煤气 气费 气表 通气 停气 营业厅"),
    ("water", "水务 自来水 供水", "水费 停水 水表 自来水 供水 水压 水质 营业厅"),
    ("hospital", "医院", "挂号 看病 门诊 急诊 住院 病房 医生 护士 专家号 医药费 收费处 床位 陪护 手术"),
    (
        "school",
        "学校 大学 学院 中学 小学",
        "学费 食堂 宿舍 招生 教务 辅导员 班主任 奖学金 助学金 毕业证 学籍 军训 校车",
    ),
    (
        "bank",
        "银行 分行 支行",
        "网点 柜台 柜员 贷款 存款 信用卡 银行卡 取款 取钱 存钱 理财 手续费 手机银行 ATM",
    ),
    ("post", "邮政", "快递 包裹 邮件 邮局 邮寄 寄件 投递 邮递员 快递员 EMS"),
    ("telecom", "移动 联通 电信 通信 铁塔", "话费 流量 套餐 宽带 信号 基站 营业厅 手机卡 携号转网 扣费"),
    # a development zone's committee: its park and the firms settled in it
    ("zone", "管委会 管理委员会 开发区 园区 高新区", "园区 开发区 高新区 产业园 入驻 招商"),
    ("mine", "煤矿 矿业 煤业 煤化 煤炭 矿务局", "煤矿 矿井 井下 矿工 采煤 洗煤"),
    ("rail", "铁路 铁道", "火车 高铁 动车 车票 12306 列车 退票 改签 候车"),
    ("airport", "机场", "航班 安检 候机 登机 航站楼 行李 延误"),
    ("tax", "税务", "退税 纳税 发票 个税 契税 税款 完税 办税 报税 税费 电子税务局"),
    ("customs", "海关", "报关 通关 清关 查验 关税 行邮"),
    ("housing_fund", "公积金", "公积金"),
    ("social_insurance", "社保 社会保险", "社保 养老金 退休金 社保卡"),
    ("medical_insurance", "医疗保障 医保", "医保 报销 异地就医"),
    ("property_registry", "不动产", "不动产 房产证 产权证 过户 抵押登记"),
    ("bus", "公交", "公交 班次 站台 公交卡"),
    ("highway", "交通投资 交投 高速", "高速 收费站 服务区 通行费 ETC"),
    ("museum", "博物馆 纪念馆 美术馆", "展览 展品 文物 门票 讲解 展厅"),
)
_KINDS = tuple((kind, tuple(markers.split()), tuple(words.split())) for kind, markers, words in _TABLE)


def unit_kind(name: str) -> str | None:
    """The kind of unit its name shows: the kind whose marker ends latest in it (a longer one on a tie),
    or None for a unit of no kind listed."""
    best: tuple[int, int, str] | None = None
    for kind, markers, _ in _KINDS:
        for m in markers:
            at = name.rfind(m)
            if at >= 0 and (best is None or (at + len(m), len(m)) > best[:2]):
                best = (at + len(m), len(m), kind)
    return best[2] if best is not None else None


def service_pattern(name: str) -> re.Pattern[str] | None:
    """The words of the unit's own services and parts (交警 for a 公安局, 执行款 for a court), or None."""
    kind = unit_kind(name)
    words = next((w for k, _, w in _KINDS if k == kind), ())
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))

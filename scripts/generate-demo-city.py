#!/usr/bin/env python3
"""Generate the CityGrid demo city (a Hohhot-like city, DEMO DATA, not a survey).

Writes, into Shared/reference-data/:
  departments.csv, districts.csv, streets.csv, communities.csv, grids.csv,
  components.csv, gazetteer.csv, labelled-reports.csv

Reads the hand-maintained files classes.csv, filing-conditions.csv and
responsibility-rules.csv from the same directory, so that the expected departments of the
labelled reports follow exactly the rules the Swift ResponsibilityResolver applies.

The output is deterministic (fixed seed, no dependence on hash order): running the script twice
gives byte-identical files. Usage:

    python3 scripts/generate-demo-city.py [--out DIR] [--check]

--check regenerates into memory and exits 1 if any committed file differs (for CI).
"""

import argparse
import csv
import datetime as dt
import io
import math
import os
import random

SEED = 20260101

# --- geometry -------------------------------------------------------------------------------
# Equirectangular projection around the city's reference latitude, the same formula the Swift
# validator uses to check `area_m2` (spherical earth, mean radius).
EARTH_R = 6371008.8
M_PER_DEG_LAT = EARTH_R * math.pi / 180.0            # ~111,195 m
LAT_REF = 40.82
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(LAT_REF))  # ~84,190 m
CELL_M = 100.0
DLON = CELL_M / M_PER_DEG_LON
DLAT = CELL_M / M_PER_DEG_LAT
LON0, LAT0 = 111.60, 40.90                            # north-west corner of the lattice
CX, CY = 67, 89                                       # lattice node of the city centre (~111.680E, 40.820N)
JITTER_M = 8.0                                        # lattice nodes move up to 8 m, cells stay convex

VALID_FROM = "2026-01-01"
SPLIT_DATE = "2026-04-01"

DISTRICTS = [
    # code, name, English name, quadrant (east?, north?), block columns, block rows, streets
    ("150102", "新城区", "Xincheng District", (True, True), 3, 2,
     ["海拉尔东路街道", "锡林路街道", "中山东路街道", "东街街道", "西街街道", "迎新路街道"]),
    ("150103", "回民区", "Huimin District", (False, True), 3, 2,
     ["环河街街道", "通道街街道", "中山西路街道", "新华西路街道", "光明路街道", "海拉尔西路街道"]),
    ("150104", "玉泉区", "Yuquan District", (False, False), 2, 3,
     ["小召前街街道", "长和廊街道", "大南街街道", "兴隆巷街道", "石东路街道", "西菜园街道"]),
    ("150105", "赛罕区", "Saihan District", (True, False), 4, 2,
     ["大学西路街道", "乌兰察布东路街道", "中专路街道", "人民路街道", "大学东路街道", "昭乌达路街道",
      "敕勒川路街道", "巴彦街道"]),
]

# Roads: names per half-axis, listed from the centre outwards; one road per block boundary.
EW_ROADS = {  # (east?, north?) -> names of east-west roads, from the axis outwards
    (False, True): ["海拉尔西路", "成吉思汗西街"],
    (False, False): ["中山西路", "石羊桥西路", "南二环西路"],
    (True, True): ["海拉尔东路", "成吉思汗东街"],
    (True, False): ["大学东街", "南二环东路"],
}
EW_AXIS = {False: "新华西街", True: "新华东街"}
NS_ROADS = {  # (east?, north?) -> names of north-south roads, from the axis outwards
    (False, True): ["通道北街", "公园西路", "钢铁路"],
    (True, True): ["呼伦贝尔北路", "兴安北路", "东二环北路"],
    (False, False): ["大南街", "西二环南路"],
    (True, False): ["呼伦贝尔南路", "昭乌达路", "丰州路", "东二环南路"],
}
NS_AXIS = {True: "锡林郭勒北路", False: "锡林郭勒南路"}
ROAD_HISTORY = {"呼伦贝尔南路": ["呼伦南路"], "东二环北路": ["东环路"], "成吉思汗东街": ["北垣东街"]}

# Well-known places: name, district, (cells east, cells south) of the centre, historical names.
FAMOUS_POIS = [
    ("新华广场", "150102", (3, -3), ["人民广场"]),
    ("内蒙古博物院", "150102", (10, -4), ["内蒙古博物馆"]),
    ("将军衙署", "150102", (4, -8), []),
    ("公主府", "150102", (8, -11), []),
    ("乌兰恰特大剧院", "150102", (13, -6), []),
    ("内蒙古体育馆", "150102", (6, -2), []),
    ("内蒙古图书馆", "150102", (7, -6), []),
    ("成吉思汗公园", "150102", (15, -12), []),
    ("呼和浩特站", "150103", (-4, -12), ["归绥站"]),
    ("清真大寺", "150103", (-7, -4), []),
    ("青城公园", "150103", (-4, -6), ["人民公园"]),
    ("维多利亚购物中心", "150103", (-2, -2), []),
    ("回民区人民医院", "150103", (-12, -9), []),
    ("大召寺", "150104", (-5, 6), []),
    ("席力图召", "150104", (-4, 4), []),
    ("塞上老街", "150104", (-6, 8), []),
    ("五塔寺", "150104", (-3, 11), []),
    ("昭君博物院", "150104", (-10, 19), []),
    ("内蒙古大学", "150105", (8, 6), []),
    ("内蒙古师范大学", "150105", (16, 4), []),
    ("满都海公园", "150105", (5, 9), []),
    ("如意广场", "150105", (24, 5), []),
    ("内蒙古自治区人民医院", "150105", (3, 3), []),
    ("赛罕区政务服务中心", "150105", (20, 11), []),
]
AREAS = [("南茶坊片区", "150104", (-2, 5)), ("东瓦窑片区", "150102", (18, -9)),
         ("西落凤街片区", "150103", (-9, -7)), ("满都海片区", "150105", (6, 10)),
         ("如意片区", "150105", (26, 8)), ("石羊桥片区", "150104", (-8, 14))]

TYPOS = {
    "大召寺": "大昭寺", "塞上老街": "赛上老街", "锡林郭勒北路": "锡林北路", "锡林郭勒南路": "锡林南路",
    "成吉思汗东街": "成吉思汉东街", "成吉思汗西街": "成吉思汉西街", "海拉尔东路": "海拉儿东路",
    "海拉尔西路": "海拉而西路", "呼和浩特站": "呼市火车站", "内蒙古博物院": "内蒙博物院",
    "昭乌达路": "召乌达路", "乌兰恰特大剧院": "乌兰恰特剧院", "石羊桥西路": "石洋桥西路",
    "呼伦贝尔北路": "呼伦贝儿北路", "席力图召": "席力图昭", "内蒙古师范大学": "内师大",
    "维多利亚购物中心": "维多利亚商厦", "满都海公园": "满都海花园",
}
UNLOCATABLE_ADDRESSES = [
    "路边", "小区门口", "东边那个路口", "菜市场旁边", "不知道具体地址，在一个公交站附近", "老地方",
    "我家楼下", "学校对面", "大概在火车站那一片", "某小区北门", "市里", "在一个十字路口",
    "新开的那家超市门口", "河边", "桥底下",
]

COMMUNITY_WORDS = [
    "海东", "新春", "公园东", "东风", "锦绣", "祥和", "青城", "园丁", "通顺", "光明", "友谊", "民族",
    "团结", "文化", "建设", "胜利", "幸福", "和平", "永安", "长乐", "康居", "兴安", "丰泽", "锡林",
    "呼伦", "昭君", "石东", "西菜园", "北门", "鼓楼", "桥华", "工农兵", "车站东", "如意", "金桥",
    "滨河", "明珠", "书香", "学府", "丁香", "松柏", "白塔", "青山", "钢铁", "恒昌", "民丰", "富丽",
    "盛世", "春华", "秋实", "美林", "翠园", "万和", "嘉禾", "新园", "长青", "福源", "瑞祥", "宏泰",
    "安和", "德胜", "朝阳", "红山", "大盛魁", "通达", "仁和", "宝山", "惠民", "阳光", "绿洲",
]
COMMUNITY_SUFFIXES = ["", "东", "西", "南", "北"]

LAND_USES = {  # area class -> (land use, weight)
    "A": [("commercial", 4), ("mixed", 4), ("residential", 2), ("public_service", 1)],
    "B": [("residential", 5), ("mixed", 2), ("public_service", 1), ("commercial", 1)],
    "C": [("residential", 4), ("industrial", 2), ("public_service", 1), ("transport", 1)],
}

# Sector departments and utility owners: code, name, kind, extra responsibilities.
SECTOR_DEPARTMENTS = [
    ("CGZF", "市城市管理综合行政执法局", "department", []),
    ("SCJG", "市市场监督管理局", "department", []),
    ("GAXF", "市公安局（交管、消防）", "department", []),
    ("CSGH", "市自然资源和规划局", "department", ["event:0101"]),
    ("SZGY", "市市政公用事业局", "department", []),
    ("YLLH", "市园林绿化局", "department", []),
    ("SRHW", "市市容环境卫生管理局", "department", []),
    ("STHJ", "市生态环境局", "department", []),
    ("JT", "市交通运输局", "department", []),
    ("SW", "市水务局", "department", []),
    ("ZJ", "市住房和城乡建设局", "department", []),
    ("MZ", "市民政局", "department", []),
    ("TYJ", "市体育局", "department", []),
    ("RFB", "市人民防空办公室", "department", []),
    ("UTIL-WATER", "市供水总公司", "utility", []),
    ("UTIL-DRAIN", "市排水事业管理有限公司", "utility", []),
    ("UTIL-POWER", "市供电公司", "utility", []),
    ("UTIL-GAS", "市燃气有限公司", "utility", []),
    ("UTIL-HEAT", "市热力集团有限公司", "utility", []),
    ("UTIL-TELECOM", "市通信管线运营公司", "utility", []),
    ("UTIL-POST", "市邮政分公司", "utility", []),
]
MANAGER_OF_UTILITY = {"UTIL-WATER": "SW", "UTIL-DRAIN": "SW"}  # others: SZGY
MAINTAINERS = {
    "UTIL-WATER": "供水管网维修所", "UTIL-DRAIN": "排水设施养护所", "UTIL-POWER": "配电运维班组",
    "UTIL-GAS": "燃气管网抢修中心", "UTIL-HEAT": "热网维修分公司", "UTIL-TELECOM": "通信管线维护中心",
    "UTIL-POST": "邮政设施维护组", "SZGY": "青城市政养护有限公司", "YLLH": "园林绿化养护中心",
    "SRHW": "环卫作业服务中心", "JT": "交通设施养护中心", "GAXF": "交警设施维护大队",
    "SW": "水务设施养护中心", "CGZF": "城管设施维护组", "TYJ": "全民健身设施维护中心",
    "RFB": "人防工程维护站", "MZ": "地名标志维护组", "ZJ": "建设工程安全监督站", "SCJG": "特种设备检验所",
}

# Component classes and their relative frequency in the register.
COMPONENT_MIX = [
    ("0101", 12), ("0102", 10), ("0103", 8), ("0104", 6), ("0105", 4), ("0106", 3), ("0107", 4),
    ("0108", 1), ("0109", 1), ("0110", 5), ("0111", 4), ("0112", 1), ("0113", 3), ("0114", 0.5),
    ("0115", 1), ("0116", 1), ("0117", 3), ("0118", 8), ("0120", 1), ("0121", 0.3), ("0123", 0.3),
    ("0126", 1), ("0136", 2), ("0201", 0.5), ("0203", 1), ("0204", 0.3), ("0205", 0.1), ("0206", 0.1),
    ("0207", 0.05), ("0209", 2), ("0210", 1), ("0211", 1.5), ("0213", 1), ("0301", 0.5), ("0302", 0.3),
    ("0303", 0.3), ("0304", 0.5), ("0305", 5), ("0307", 3), ("0401", 0.2), ("0402", 6), ("0405", 1),
    ("0406", 0.2), ("0407", 1), ("0501", 0.5), ("0502", 0.1), ("0601", 0.05), ("0602", 0.2),
    ("0603", 0.1), ("2101", 0.5), ("2102", 0.1), ("2103", 0.2),
]
STREET_OWNED_SHARE = {"0305": 0.25, "0402": 0.15, "0407": 0.3, "0118": 0.1}  # back streets, estates

# Labelled reports: event classes seen most often, with weights.
EVENT_MIX = [
    ("0102", 10), ("0104", 6), ("0201", 8), ("0504", 6), ("050401", 2), ("050403", 2), ("0501", 5),
    ("0505", 4), ("0506", 4), ("0507", 3), ("0110", 3), ("0101", 3), ("0103", 2), ("0302", 2),
    ("0304", 1), ("0404", 2), ("0406", 1), ("0407", 2), ("0401", 0.5), ("0402", 0.5), ("0510", 2),
    ("0513", 1), ("0508", 1), ("0509", 1), ("0502", 1), ("050202", 0.5), ("0107", 1), ("0106", 2),
    ("0205", 1), ("0301", 1), ("2101", 2), ("2102", 1), ("2199", 0.5), ("0199", 0.5), ("0512", 0.5),
]
CHANNELS_GPS = [("supervisor", 8), ("app", 2), ("video", 1)]
CHANNELS_TEXT = [("12345", 6), ("12319", 3), ("app", 1), ("110", 1)]


# --- helpers --------------------------------------------------------------------------------
def weighted(rng, items):
    total = sum(w for _, w in items)
    x = rng.uniform(0, total)
    for value, w in items:
        x -= w
        if x <= 0:
            return value
    return items[-1][0]


def fmt(x):
    return f"{x:.7f}"


_node_cache = {}


def node(i, j):
    """Lattice node i (west->east), j (north->south), jittered by a hash of (i, j)."""
    key = (i, j)
    if key not in _node_cache:
        r = random.Random(SEED * 1_000_003 + i * 7919 + j * 104_729)
        jx, jy = r.uniform(-JITTER_M, JITTER_M), r.uniform(-JITTER_M, JITTER_M)
        _node_cache[key] = (LON0 + i * DLON + jx / M_PER_DEG_LON, LAT0 - j * DLAT + jy / M_PER_DEG_LAT)
    return _node_cache[key]


def lerp(a, b, t):
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def cell_point(c, r, u, v):
    """Bilinear point of cell (c, r): u west->east, v north->south, both in (0, 1)."""
    top = lerp(node(c, r), node(c + 1, r), u)
    bottom = lerp(node(c, r + 1), node(c + 1, r + 1), u)
    return lerp(top, bottom, v)


def area_m2(ring):
    lat_mid = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
    kx = M_PER_DEG_LAT * math.cos(math.radians(lat_mid))
    s = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        s += (x1 * kx) * (y2 * M_PER_DEG_LAT) - (x2 * kx) * (y1 * M_PER_DEG_LAT)
    return abs(s) / 2.0


def wkt_polygon(ring):
    return "POLYGON((" + ", ".join(f"{fmt(x)} {fmt(y)}" for x, y in ring) + "))"


def wkt_line(points):
    return "LINESTRING(" + ", ".join(f"{fmt(x)} {fmt(y)}" for x, y in points) + ")"


def interior_uv(rng):
    """A point well inside a cell, away from the edges and from the split line u = 0.5."""
    u = rng.choice([rng.uniform(0.1, 0.44), rng.uniform(0.56, 0.9)])
    return u, rng.uniform(0.1, 0.9)


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


CHECK_ONLY = False
STALE = []


def write_csv(path, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow(row)
    text = buf.getvalue()
    if CHECK_ONLY:
        try:
            with open(path, encoding="utf-8", newline="") as f:
                same = f.read() == text
        except FileNotFoundError:
            same = False
        if not same:
            STALE.append(os.path.basename(path))
        return
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    print(f"{os.path.basename(path)}: {len(rows)} rows")


# --- rules (same algorithm as ResponsibilityResolver.swift) ----------------------------------
class Rules:
    def __init__(self, rows):
        self.by_key = {(r["kind"], r["class_code"]): r for r in rows}

    def rule(self, kind, code):
        for length in (6, 4, 2):
            if len(code) >= length and (kind, code[:length]) in self.by_key:
                return self.by_key[(kind, code[:length])]
        return None

    def resolve(self, kind, code, owner, street_office, district_gov, departments):
        if owner is None and street_office is None and district_gov is None:
            return "manual"
        rule = self.rule(kind, code)
        if rule is None:
            return "manual"
        sector = rule["sector_department"] or None
        if sector == "DISTRICT":
            sector = district_gov
        territory = [street_office, sector] if rule["street_first"] == "true" else [sector, street_office]
        if rule["rule_order"] == "owner_then_territory":
            chain = [owner] + territory + [district_gov]
        else:
            chain = territory + [owner, district_gov]
        for code_ in chain:
            if code_ is not None and code_ in departments:
                return code_
        return "manual"


# --- generation -----------------------------------------------------------------------------
def build_layout(rng):
    """Street blocks per district, communities per street, cells per community."""
    cells = {}        # (c, r) -> community code
    districts, streets, communities = [], [], []
    word_pool = [w + s for s in COMMUNITY_SUFFIXES for w in COMMUNITY_WORDS]
    rng.shuffle(word_pool)
    blocks = {}       # district -> (col edges, row edges) in lattice indices
    for code, name, name_en, (east, north), ncols, nrows, street_names in DISTRICTS:
        districts.append((code, name, name_en))
        widths = [rng.randint(7, 9) for _ in range(ncols)]
        heights = [rng.randint(7, 8) for _ in range(nrows)]
        # Edges outward from the axis, then converted to west->east / north->south order.
        col_edges = [CX]
        for w in widths:
            col_edges.append(col_edges[-1] + (w if east else -w))
        row_edges = [CY]
        for h in heights:
            row_edges.append(row_edges[-1] + (-h if north else h))
        blocks[code] = (col_edges, row_edges)
        cols = sorted(col_edges)
        rows = sorted(row_edges)
        street_index = 0
        for bi in range(nrows):
            for bj in range(ncols):
                c0, c1 = cols[bj], cols[bj + 1]
                r0, r1 = rows[bi], rows[bi + 1]
                street_code = f"{code}{street_index + 1:03d}"
                streets.append((street_code, code, street_names[street_index]))
                street_index += 1
                for ci, (cc0, cc1, rr0, rr1) in enumerate(split_block(rng, c0, c1, r0, r1)):
                    community_code = f"{street_code}{ci + 1:03d}"
                    communities.append((community_code, street_code, word_pool.pop() + "社区"))
                    for r in range(rr0, rr1):
                        for c in range(cc0, cc1):
                            cells[(c, r)] = community_code
    return districts, streets, communities, cells, blocks


def split_block(rng, c0, c1, r0, r1):
    """Split one street block into 3-5 community rectangles."""
    w, h = c1 - c0, r1 - r0
    k = rng.choice([3, 4, 4, 5])

    def cuts(lo, hi, n):
        return [lo + round((hi - lo) * i / n) for i in range(n + 1)]

    if k == 3:
        xs = cuts(c0, c1, 3)
        return [(xs[i], xs[i + 1], r0, r1) for i in range(3)]
    ym = r0 + h // 2
    if k == 4:
        xs = cuts(c0, c1, 2)
        return [(xs[i], xs[i + 1], a, b) for a, b in ((r0, ym), (ym, r1)) for i in range(2)]
    top, bottom = cuts(c0, c1, 3), cuts(c0, c1, 2)
    return [(top[i], top[i + 1], r0, ym) for i in range(3)] + [(bottom[i], bottom[i + 1], ym, r1) for i in range(2)]


def area_class_of(c, r):
    d = math.hypot(c + 0.5 - CX, r + 0.5 - CY)
    return "A" if d < 10 else ("B" if d < 20 else "C")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(here, "..", "Shared", "reference-data"))
    parser.add_argument("--check", action="store_true", help="only compare with the committed files")
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    global CHECK_ONLY
    CHECK_ONLY = args.check

    classes = read_csv(os.path.join(out, "classes.csv"))
    conditions = read_csv(os.path.join(out, "filing-conditions.csv"))
    rules = Rules(read_csv(os.path.join(out, "responsibility-rules.csv")))
    class_name = {}
    for row in classes:
        code = row["third_code"] or row["sub_code"] or row["major_code"]
        class_name[(row["kind"], code)] = row["name_zh"]
    conditions_of = {}
    for row in conditions:
        conditions_of.setdefault((row["kind"], row["class_code"]), []).append(row)

    rng = random.Random(SEED)
    districts, streets, communities, cells, blocks = build_layout(rng)
    district_of_community = {cc: sc[:6] for cc, sc, _ in communities}
    street_of_community = {cc: sc for cc, sc, _ in communities}

    # --- departments ---
    dept_rows = []
    responsibilities = {}
    for (kind, code), rule in rules.by_key.items():
        target = rule["sector_department"]
        if target and target != "DISTRICT":
            responsibilities.setdefault(target, []).append(f"{kind}:{code}")
    street_resp = [f"{k}:{c}" for (k, c), r in rules.by_key.items() if r["street_first"] == "true"]
    for code, name, kind, extra in SECTOR_DEPARTMENTS:
        dept_rows.append([code, name, kind, "", ";".join(responsibilities.get(code, []) + extra), "demo"])
    for code, name, _ in districts:
        dept_rows.append([f"GOV-{code}", f"{name}人民政府", "district_government", code, "event:2199", "demo"])
    for code, district, name in streets:
        dept_rows.append([f"STREET-{code}", f"{name}办事处", "street_office", district, ";".join(street_resp), "demo"])
    departments = [row[0] for row in dept_rows]
    department_set = frozenset(departments)

    # --- grids ---
    seq_of = {}
    grid_rows = []
    grid_of_cell = {}        # (c, r) -> code of the grid valid before the split
    by_community = {}
    for (c, r), comm in cells.items():
        by_community.setdefault(comm, []).append((r, c))
    community_land_use = {}
    for comm, _, _ in communities:
        members = sorted(by_community[comm])
        mid_r, mid_c = members[len(members) // 2]
        community_land_use[comm] = weighted(rng, LAND_USES[area_class_of(mid_c, mid_r)])
        for i, (r, c) in enumerate(members):
            grid_of_cell[(c, r)] = f"{comm}{i + 1:03d}"
        seq_of[comm] = len(members)

    all_cells = sorted(grid_of_cell, key=lambda cr: grid_of_cell[cr])
    split_cells = sorted(rng.sample([cr for cr in all_cells if area_class_of(*cr) == "A"], 6),
                         key=lambda cr: grid_of_cell[cr])
    split_children = {}      # (c, r) -> (west code, east code)
    for (c, r) in split_cells:
        comm = cells[(c, r)]
        west, east = f"{comm}{seq_of[comm] + 1:03d}", f"{comm}{seq_of[comm] + 2:03d}"
        seq_of[comm] += 2
        split_children[(c, r)] = (west, east)

    land_use_of_grid = {}
    for (c, r) in all_cells:
        code = grid_of_cell[(c, r)]
        comm = cells[(c, r)]
        nw, ne, sw, se = node(c, r), node(c + 1, r), node(c, r + 1), node(c + 1, r + 1)
        land_use = "green_square" if rng.random() < 0.05 else community_land_use[comm]
        land_use_of_grid[code] = land_use
        ring = [nw, sw, se, ne, nw]
        if (c, r) in split_children:
            west, east = split_children[(c, r)]
            grid_rows.append([code, comm, area_class_of(c, r), land_use, f"{area_m2(ring):.1f}", VALID_FROM,
                              SPLIT_DATE, f"{west};{east}", wkt_polygon(ring), "demo"])
            m_top, m_bottom = lerp(nw, ne, 0.5), lerp(sw, se, 0.5)
            for child, child_ring in ((west, [nw, sw, m_bottom, m_top, nw]), (east, [m_top, m_bottom, se, ne, m_top])):
                land_use_of_grid[child] = land_use
                grid_rows.append([child, comm, area_class_of(c, r), land_use, f"{area_m2(child_ring):.1f}", SPLIT_DATE,
                                  "", "", wkt_polygon(child_ring), "demo"])
        else:
            grid_rows.append([code, comm, area_class_of(c, r), land_use, f"{area_m2(ring):.1f}", VALID_FROM, "", "",
                              wkt_polygon(ring), "demo"])
    grid_rows.sort(key=lambda row: row[0])

    def grid_at(c, r, u, date):
        """Code of the grid containing cell point (u, .) on `date` (ISO string)."""
        if (c, r) in split_children and date >= SPLIT_DATE:
            return split_children[(c, r)][0 if u < 0.5 else 1]
        return grid_of_cell[(c, r)]

    def locate(c, r):
        comm = cells[(c, r)]
        return f"STREET-{street_of_community[comm]}", f"GOV-{district_of_community[comm]}"

    # --- components ---
    component_rows = []
    serial = {}
    component_info = []      # (code, class, owner, cell, u, v)
    for (c, r) in all_cells:
        comm = cells[(c, r)]
        district = district_of_community[comm]
        street_office, _ = locate(c, r)
        for _ in range(rng.randint(1, 7)):
            cls = weighted(rng, COMPONENT_MIX)
            rule = rules.rule("component", cls)
            sector = rule["sector_department"] or None
            owner = sector if sector else street_office
            if cls in STREET_OWNED_SHARE and rng.random() < STREET_OWNED_SHARE[cls]:
                owner = street_office
            if cls == "0114":
                owner = ""   # ownerless manhole cover: no owner on record
            if owner.startswith("UTIL-"):
                manager = MANAGER_OF_UTILITY.get(owner, "SZGY")
            else:
                manager = sector or street_office
            maintainer = MAINTAINERS.get(owner, "街道市政维护队") if owner else "（无主）"
            key = (district, cls)
            serial[key] = serial.get(key, 0) + 1
            code = f"{district}{cls}{serial[key]:06d}"
            u, v = interior_uv(rng)
            lon, lat = cell_point(c, r, u, v)
            state = weighted(rng, [("intact", 92), ("damaged", 6), ("missing", 2)])
            component_rows.append([code, cls, class_name[("component", cls)], owner, manager, maintainer,
                                   grid_at(c, r, u, "9999-12-31"), fmt(lon), fmt(lat), state, "demo"])
            component_info.append((code, cls, owner or None, (c, r), u, v))
    component_rows.sort(key=lambda row: row[0])

    # --- gazetteer ---
    gaz = []
    road_names = []          # (name, cells along the road with side info) for house numbers

    def add_gaz(kind, name, road, number, district, point, line="", history=()):
        gaz.append([f"G{len(gaz) + 1:06d}", kind, name, road, number, district, fmt(point[0]), fmt(point[1]), line,
                    ";".join(history), "demo"])

    def district_of_cell(cr):
        return district_of_community[cells[cr]]

    def road_lines():
        """(name, orientation, lattice index, range of cells along the road) for every road."""
        lines = []
        for east in (False, True):
            for north in (True, False):
                code = next(d[0] for d in DISTRICTS if d[3] == (east, north))
                col_edges, row_edges = blocks[code]
                for k, name in enumerate(EW_ROADS[(east, north)]):
                    lines.append((name, "ew", row_edges[k + 1], (min(col_edges), max(col_edges))))
                for k, name in enumerate(NS_ROADS[(east, north)]):
                    lines.append((name, "ns", col_edges[k + 1], (min(row_edges), max(row_edges))))
        for east in (False, True):
            spans = [blocks[d[0]][0] for d in DISTRICTS if d[3][0] == east]
            lo, hi = min(min(s) for s in spans), max(max(s) for s in spans)
            lines.append((EW_AXIS[east], "ew", CY, (lo, hi)))
        for north in (True, False):
            spans = [blocks[d[0]][1] for d in DISTRICTS if d[3][1] == north]
            lo, hi = min(min(s) for s in spans), max(max(s) for s in spans)
            lines.append((NS_AXIS[north], "ns", CX, (lo, hi)))
        return lines

    house_numbers = {}       # road -> list of (number, cell, u, v)
    for name, orient, idx, (lo, hi) in road_lines():
        if orient == "ew":
            pts = [node(i, idx) for i in range(lo, hi + 1)]
            # odd numbers on the north side, even on the south side, increasing eastwards
            sides = [((c, idx - 1), 0.88, 1) for c in range(lo, hi)], [((c, idx), 0.12, 2) for c in range(lo, hi)]
        else:
            pts = [node(idx, j) for j in range(lo, hi + 1)]
            # odd numbers on the west side, even on the east side, increasing southwards
            sides = [((idx - 1, r), 0.88, 1) for r in range(lo, hi)], [((idx, r), 0.12, 2) for r in range(lo, hi)]
        along = []
        for side in sides:
            for pos, (cr, depth, parity) in enumerate(side):
                if cr not in cells:
                    continue
                for k, t in enumerate((0.125, 0.375, 0.625, 0.875)):  # four numbers per cell side
                    number = 2 * (pos * 4 + k) + parity
                    u, v = (t, depth) if orient == "ew" else (depth, t)
                    along.append((number, cr, u, v))
        along.sort()
        mid = along[len(along) // 2]
        rep = cell_point(mid[1][0], mid[1][1], 0.3 if orient == "ew" else mid[2], mid[3] if orient == "ew" else 0.3)
        add_gaz("road", name, "", "", district_of_cell(mid[1]), rep, wkt_line(pts), ROAD_HISTORY.get(name, ()))
        house_numbers[name] = along
    for name, along in house_numbers.items():
        for number, cr, u, v in along:
            add_gaz("house_number", f"{name}{number}号", name, str(number), district_of_cell(cr),
                    cell_point(cr[0], cr[1], u, v))

    def cell_near(district, offset):
        """The district's cell nearest to centre + offset (cells east, cells south)."""
        target = (CX + offset[0], CY + offset[1])
        candidates = [cr for cr in all_cells if district_of_cell(cr) == district]
        return min(candidates, key=lambda cr: ((cr[0] - target[0]) ** 2 + (cr[1] - target[1]) ** 2, cr))

    poi_places = []          # (name, cell, u, v, history)
    for name, district, offset, history in FAMOUS_POIS:
        cr = cell_near(district, offset)
        u, v = interior_uv(rng)
        add_gaz("poi", name, "", "", district, cell_point(cr[0], cr[1], u, v), "", history)
        poi_places.append((name, cr, u, v, history))
    for comm, _, comm_name in communities:
        members = sorted(by_community[comm])
        base = comm_name[:-2]
        for suffix in ("小区", rng.choice(["幼儿园", "社区卫生服务站", "农贸市场", "便民超市", "社区服务中心"])):
            r, c = members[rng.randrange(len(members))]
            u, v = interior_uv(rng)
            add_gaz("poi", base + suffix, "", "", district_of_community[comm], cell_point(c, r, u, v))
            poi_places.append((base + suffix, (c, r), u, v, []))
    for n in range(1, 31):
        cr = all_cells[rng.randrange(len(all_cells))]
        u, v = interior_uv(rng)
        add_gaz("poi", f"呼和浩特市第{n}中学", "", "", district_of_cell(cr), cell_point(cr[0], cr[1], u, v))
        poi_places.append((f"呼和浩特市第{n}中学", cr, u, v, []))
    for name, district, offset in AREAS:
        cr = cell_near(district, offset)
        add_gaz("area", name, "", "", district, cell_point(cr[0], cr[1], 0.4, 0.4))
    for comm, _, comm_name in communities:
        members = sorted(by_community[comm])
        r, c = members[len(members) // 2]
        add_gaz("area", comm_name, "", "", district_of_community[comm], cell_point(c, r, 0.4, 0.4))

    # --- labelled reports ---
    report_rows = []
    start = dt.datetime(2026, 1, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    plan = ["gps"] * 105 + ["component"] * 45 + ["text"] * 75 + ["typo"] * 30 + ["historical"] * 30 + ["unlocatable"] * 15
    rng.shuffle(plan)
    typo_pois = [p for p in poi_places if p[0] in TYPOS]
    typo_roads = [r for r in house_numbers if r in TYPOS]
    hist_pois = [p for p in poi_places if p[4]]
    hist_roads = [r for r in house_numbers if r in ROAD_HISTORY]
    suffix_house = ["门前", "门口", "附近", "旁边", "前方路面", "东侧人行道"]
    suffix_poi = ["门口", "附近", "旁", "南门", "停车场入口", "西侧"]

    def pick_event():
        return weighted(rng, EVENT_MIX)

    def description(kind, cls):
        conds = conditions_of.get((kind, cls)) or conditions_of[(kind, cls[:4])]
        return rng.choice(conds)["description"]

    for n, case in enumerate(plan):
        when = start + dt.timedelta(days=rng.randrange(0, 176), minutes=rng.randrange(7 * 60, 21 * 60))
        date = when.date().isoformat()
        address, lon, lat, comp_code, owner = "", "", "", "", None
        kind = "event"
        cls = pick_event()
        cell = u = v = None
        if case == "gps":
            cell = all_cells[rng.randrange(len(all_cells))]
            u, v = interior_uv(rng)
            if rng.random() < 0.3:
                kind, cls = "component", weighted(rng, COMPONENT_MIX)
            channel = weighted(rng, CHANNELS_GPS)
        elif case == "component":
            comp_code, cls, owner, cell, u, v = component_info[rng.randrange(len(component_info))]
            kind = "component"
            channel = weighted(rng, CHANNELS_GPS)
        elif case == "unlocatable":
            address = rng.choice(UNLOCATABLE_ADDRESSES)
            channel = weighted(rng, CHANNELS_TEXT)
        else:
            channel = weighted(rng, CHANNELS_TEXT)
            use_poi = rng.random() < 0.5
            if case == "text":
                if use_poi:
                    name, cell, u, v, _ = poi_places[rng.randrange(len(poi_places))]
                    address = name + rng.choice(suffix_poi)
                else:
                    road = sorted(house_numbers)[rng.randrange(len(house_numbers))]
                    number, cell, u, v = rng.choice(house_numbers[road])
                    address = f"{road}{number}号{rng.choice(suffix_house)}"
            elif case == "typo":
                if use_poi:
                    name, cell, u, v, _ = rng.choice(typo_pois)
                    address = TYPOS[name] + rng.choice(suffix_poi)
                else:
                    road = rng.choice(typo_roads)
                    number, cell, u, v = rng.choice(house_numbers[road])
                    address = f"{TYPOS[road]}{number}号{rng.choice(suffix_house)}"
            else:  # historical name
                if use_poi:
                    name, cell, u, v, history = rng.choice(hist_pois)
                    address = rng.choice(history) + rng.choice(suffix_poi)
                else:
                    road = rng.choice(hist_roads)
                    number, cell, u, v = rng.choice(house_numbers[road])
                    address = f"{rng.choice(ROAD_HISTORY[road])}{number}号{rng.choice(suffix_house)}"
        if cell is not None and (case in ("gps", "component")):
            p = cell_point(cell[0], cell[1], u, v)
            lon, lat = fmt(p[0]), fmt(p[1])
        if cell is None:
            expected_grid, expected = "", "manual"
        else:
            expected_grid = grid_at(cell[0], cell[1], u, date)
            street_office, gov = locate(*cell)
            expected = rules.resolve(kind, cls, owner, street_office, gov, department_set)
        report_rows.append([f"LR{n + 1:04d}", when.isoformat(), channel, address, lon, lat, kind, cls, comp_code,
                            description(kind, cls), expected_grid, expected, case, "demo"])

    # --- write ---
    write_csv(os.path.join(out, "departments.csv"),
              ["code", "name", "kind", "district_code", "responsibilities", "source"], dept_rows)
    write_csv(os.path.join(out, "districts.csv"), ["code", "name", "name_en", "government_department", "source"],
              [[c, n, e, f"GOV-{c}", "demo"] for c, n, e in districts])
    write_csv(os.path.join(out, "streets.csv"), ["code", "district_code", "name", "office_department", "source"],
              [[c, d, n, f"STREET-{c}", "demo"] for c, d, n in streets])
    write_csv(os.path.join(out, "communities.csv"), ["code", "street_code", "name", "source"],
              [[c, s, n, "demo"] for c, s, n in communities])
    write_csv(os.path.join(out, "grids.csv"),
              ["code", "community_code", "area_class", "land_use", "area_m2", "valid_from", "valid_to", "replaced_by",
               "polygon", "source"], grid_rows)
    write_csv(os.path.join(out, "components.csv"),
              ["code", "class_code", "name", "owner_department", "manager_department", "maintainer", "grid_code", "lon",
               "lat", "state", "source"], component_rows)
    write_csv(os.path.join(out, "gazetteer.csv"),
              ["id", "kind", "name", "road", "house_number", "district_code", "lon", "lat", "line", "historical_names",
               "source"], gaz)
    write_csv(os.path.join(out, "labelled-reports.csv"),
              ["report_id", "reported_at", "channel", "address", "lon", "lat", "kind", "class_code", "component_code",
               "description", "expected_grid", "expected_department", "case_type", "source"], report_rows)
    if CHECK_ONLY:
        if STALE:
            print("out of date: " + ", ".join(STALE) + " (run scripts/generate-demo-city.py)")
            raise SystemExit(1)
        print("demo-city files are up to date")


if __name__ == "__main__":
    main()

"""What a demo organization of each line of business plausibly holds: the generator's own
tables, so that a certificate's scheme, scope codes, scope text and holder agree.

Every industry word of `words.INDUSTRY_WORDS` (the word in a company's name, with its GB/T
4754-2017 division) belongs to one profile here. A profile says, for the firms of that line:

- `nace`: the NACE Rev. 2 activities that match the division (GB/T 4754 and NACE are both
  derived from ISIC; this is our concordance, first the main activity). The IAF sectors of a
  management-system certificate are the sectors of the reference list (IAF ID 1, `iaf/`) whose
  NACE codes cover these, so the sector follows from the industry and the reference data;
- `activities`: what the firm does, as a management-system certificate's scope says it;
- `systems`: management-system schemes beyond QMS, EMS and OHSMS that firms of the line take
  (food safety for food makers, information security for software houses …), with weights;
- `ccc`: the CCC catalogue products they make (certification, not self-declaration); the scope
  text of a CCC certificate is the catalogue's product name;
- `products` / `services`: voluntary product or service schemes that fit, with scope texts;
- `boutique`: flagship products, for Jiangsu Boutique (江苏精品) certificates of manufacturers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .words import INDUSTRY_WORDS


@dataclass(frozen=True)
class Profile:
    key: str
    division: str
    nace: tuple[str, ...]
    activities: tuple[str, ...]
    systems: Mapping[str, float] = field(default_factory=dict)
    ccc: tuple[str, ...] = ()
    products: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    services: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    boutique: tuple[str, ...] = ()
    words: tuple[str, ...] = ()


FOOD = {"FSMS": 3.0, "HACCP": 2.0}
HEAVY = {"EnMS": 1.5}
INVENTIVE = {"IPMS": 0.8}
IT = {"ISMS": 4.0, "ITSMS": 2.5, "IPMS": 1.0, "BCMS": 0.5}
UTILITY = {"EnMS": 1.0, "AMS": 2.0}

PROFILES: tuple[Profile, ...] = (
    # A: agriculture
    Profile("farming", "01", ("A01.1", "A01.2"), ("蔬菜的种植和销售", "水稻的种植", "食用菌的种植和销售", "葡萄的种植"),
            products={"GAP": ("蔬菜（番茄、黄瓜）", "水果（葡萄）", "食用菌（香菇）"),
                      "ORGANIC": ("有机大米", "有机蔬菜（叶菜类）")},
            words=("农业发展", "生态农业", "农业科技")),
    Profile("livestock", "03", ("A01.4",), ("生猪的养殖", "蛋鸡的养殖和鲜蛋的销售"),
            products={"GAP": ("畜禽（生猪）", "畜禽（蛋鸡）")}, words=("畜牧",)),
    Profile("aquaculture", "04", ("A03.2",), ("淡水鱼的养殖", "河蟹的养殖和销售"),
            products={"GAP": ("水产品（河蟹）", "水产品（淡水鱼）"), "ORGANIC": ("有机水产品（河蟹）",)},
            words=("水产",)),
    # C: manufacturing
    Profile("grain", "13", ("C10.6", "C10.4"), ("大米的加工", "食用植物油的生产", "面粉的加工"),
            systems=FOOD, products={"ORGANIC": ("有机大米（加工）",), "SAME-LINE": ("食用植物油", "大米")},
            boutique=("优质粳米", "压榨菜籽油"), words=("粮油",)),
    Profile("feed", "13", ("C10.9",), ("配合饲料的生产", "浓缩饲料的生产"), systems={"FSMS": 1.5},
            boutique=("畜禽配合饲料",), words=("饲料",)),
    Profile("food", "14", ("C10.8", "C10.7"), ("速冻食品的生产", "糕点的生产", "调味品（酱油、食醋）的生产",
                                              "罐头食品的生产"),
            systems=FOOD, products={"SAME-LINE": ("速冻食品", "罐头食品"), "HIGH-END-QUALITY": ("苏式糕点",)},
            boutique=("苏式糕点", "酿造酱油"), words=("食品",)),
    Profile("tea", "15", ("C10.83",), ("绿茶的加工", "茶叶的加工和销售"), systems=FOOD,
            products={"ORGANIC": ("有机茶叶（绿茶）",)}, boutique=("绿茶（炒青）",), words=("茶业",)),
    Profile("liquor", "15", ("C11.0",), ("白酒的生产", "黄酒的生产", "果酒的生产"), systems=FOOD,
            boutique=("黄酒", "浓香型白酒"), words=("酒业",)),
    Profile("textile", "17", ("C13",), ("纺织面料的生产", "棉纱的生产", "色织布的生产"),
            products={"GREEN-PRODUCT": ("纺织产品（面料）",), "LOW-CARBON": ("纺织面料",)},
            boutique=("高档色织面料", "高支精梳棉纱"), words=("纺织", "织造")),
    Profile("home-textile", "17", ("C13.92",), ("床上用品的生产", "毛巾的生产"),
            products={"GREEN-PRODUCT": ("纺织产品（床上用品）",), "HIGH-END-QUALITY": ("蚕丝被",)},
            boutique=("蚕丝被", "全棉床上用品"), words=("家纺",)),
    Profile("garment", "18", ("C14",), ("服装的设计和生产", "针织服装的生产", "职业服装的生产"),
            products={"GREEN-PRODUCT": ("纺织产品（服装）",), "HIGH-END-QUALITY": ("羊绒针织服装",)},
            boutique=("羊毛针织服装", "男士西服"), words=("服饰", "服装")),
    Profile("footwear", "19", ("C15.2",), ("皮鞋的生产", "运动鞋的生产"), boutique=("真皮皮鞋",), words=("鞋业",)),
    Profile("wood", "20", ("C16",), ("人造板的生产", "实木复合地板的生产"),
            products={"GREEN-PRODUCT": ("人造板和木质地板",)}, boutique=("实木复合地板",), words=("木业",)),
    Profile("furniture", "21", ("C31",), ("办公家具的设计和生产", "实木家具的生产", "钢制家具的生产"),
            products={"GREEN-PRODUCT": ("家具",), "HIGH-END-QUALITY": ("实木家具",)},
            services={"SVC-AFTERSALES": ("家具的售后服务",)}, boutique=("实木家具", "办公家具"), words=("家具",)),
    Profile("packaging", "22", ("C17.2",), ("瓦楞纸箱的生产", "纸盒的生产"),
            products={"GREEN-PRODUCT": ("纸和纸制品（瓦楞纸箱）",)}, boutique=("瓦楞纸箱",), words=("包装",)),
    Profile("paper", "22", ("C17.1",), ("生活用纸的生产", "瓦楞原纸的生产"), systems=HEAVY,
            products={"GREEN-PRODUCT": ("纸和纸制品（生活用纸）",)}, boutique=("生活用纸",), words=("纸业",)),
    Profile("printing", "23", ("C18.1",), ("包装装潢印刷品的印刷", "出版物的印刷"), boutique=("精品包装印刷品",),
            words=("印务",)),
    Profile("stationery", "24", ("C32.4", "C32.3"), ("玩具的生产", "体育用品的生产", "文具的生产"),
            ccc=("2202", "2201"), boutique=("健身器材", "木制玩具"), words=("文体用品",)),
    Profile("chemical", "26", ("C20.1",), ("化工原料（危险化学品除外）的生产", "水处理剂的生产", "胶粘剂的生产"),
            systems=HEAVY | INVENTIVE, boutique=("水处理剂", "聚氨酯胶粘剂"), words=("化工",)),
    Profile("new-material", "26", ("C20.16",), ("高分子材料的研发和生产", "改性塑料的生产"), systems=INVENTIVE,
            boutique=("改性工程塑料",), words=("新材料", "新材料科技")),
    Profile("coating", "26", ("C20.3",), ("涂料的生产", "水性工业涂料的生产"),
            ccc=("2101",), products={"GREEN-PRODUCT": ("涂料",), "GREEN-BUILDING-MATERIAL": ("建筑涂料",)},
            boutique=("水性工业涂料",), words=("涂料",)),
    Profile("pharma", "27", ("C21",), ("化学药品制剂的生产", "中药饮片的生产", "原料药的生产"),
            systems=INVENTIVE | {"EnMS": 0.5}, boutique=("中药饮片",), words=("医药", "制药")),
    Profile("biotech", "27", ("C21.2",), ("生物制品的研发和生产", "酶制剂的生产"), systems=INVENTIVE,
            boutique=("食品用酶制剂",), words=("生物科技",)),
    Profile("plastics", "29", ("C22.2",), ("塑料制品的生产", "塑料管材的生产", "塑料薄膜的生产"),
            products={"GREEN-PRODUCT": ("塑料制品",)}, boutique=("塑料管道",), words=("塑业",)),
    Profile("rubber", "29", ("C22.1", "C22.2"), ("橡胶密封件的生产", "橡塑制品的生产", "轮胎的生产"),
            ccc=("1201", "1202", "1203"), boutique=("橡胶密封件",), words=("橡塑制品",)),
    Profile("concrete", "30", ("C23.6", "C23.5"), ("预拌混凝土的生产", "混凝土预制构件的生产", "预拌砂浆的生产"),
            systems=HEAVY, products={"GREEN-BUILDING-MATERIAL": ("预拌混凝土", "预拌砂浆"),
                                     "LOW-CARBON": ("通用硅酸盐水泥",)},
            boutique=("预拌混凝土",), words=("建材",)),
    Profile("glass", "30", ("C23.1",), ("建筑玻璃的深加工", "汽车玻璃的生产"), systems=HEAVY,
            ccc=("1302", "1301"), products={"GREEN-BUILDING-MATERIAL": ("节能玻璃",), "LOW-CARBON": ("平板玻璃",)},
            boutique=("中空玻璃",), words=("玻璃",)),
    Profile("ceramics", "30", ("C23.3", "C23.4"), ("陶瓷砖的生产", "卫生陶瓷的生产"), systems=HEAVY,
            ccc=("2102",), products={"GREEN-PRODUCT": ("陶瓷砖（板）",), "GREEN-BUILDING-MATERIAL": ("建筑陶瓷",),
                                     "WATER-SAVING": ("坐便器",)},
            boutique=("陶瓷岩板",), words=("陶瓷",)),
    Profile("steel", "31", ("C24.1",), ("钢材的生产", "热轧带钢的生产", "优特钢棒材的生产"), systems=HEAVY,
            boutique=("优特钢棒材",), words=("钢铁", "特钢")),
    Profile("aluminium", "32", ("C24.42",), ("铝合金型材的生产", "铝板带的生产"), systems=HEAVY,
            products={"LOW-CARBON": ("铝合金建筑型材",)}, boutique=("铝合金建筑型材",), words=("铝业",)),
    Profile("copper", "32", ("C24.44",), ("铜管、铜排的生产", "铜线材的生产"), systems=HEAVY,
            boutique=("精密铜管",), words=("铜业",)),
    Profile("metal", "33", ("C25",), ("金属结构件的加工", "金属制品的生产", "冲压件的加工"),
            boutique=("精密冲压件",), words=("金属制品",)),
    Profile("hardware", "33", ("C25.7", "C25.9"), ("五金件的生产", "卫浴五金的生产", "紧固件的生产"),
            products={"WATER-SAVING": ("水嘴",)}, boutique=("卫浴五金", "高强度紧固件"), words=("五金",)),
    Profile("steel-structure", "33", ("C25.1",), ("钢结构件的制作和安装", "网架的生产"),
            products={"GREEN-BUILDING-MATERIAL": ("钢结构房屋用钢构件",)}, boutique=("重型钢结构件",),
            words=("钢结构",)),
    Profile("machinery", "34", ("C28.1", "C28.2"),
            ("机械零部件的设计、生产和服务", "通用机械设备的生产", "精密机械零部件的加工", "减速机的设计和生产"),
            systems=INVENTIVE, boutique=("精密减速机", "数控机床主轴"), words=("机械", "机械制造", "精密机械")),
    Profile("valve", "34", ("C28.14",), ("工业阀门的设计和生产", "球阀、蝶阀的生产"), boutique=("高性能蝶阀",),
            words=("阀门",)),
    Profile("pump", "34", ("C28.13",), ("离心泵的设计和生产", "水泵的生产"),
            products={"ENERGY-SAVING": ("清水离心泵",)}, boutique=("多级离心泵",), words=("泵业",)),
    Profile("bearing", "34", ("C28.15",), ("滚动轴承的生产", "轴承的设计和生产"), boutique=("精密滚动轴承",),
            words=("轴承",)),
    Profile("heavy-machinery", "35", ("C28.92",), ("工程机械的生产", "起重机械的设计和生产"), systems=HEAVY,
            boutique=("履带式起重机",), words=("重工",)),
    Profile("automation", "35", ("C28.9",), ("自动化生产线的设计、制造和安装", "工业机器人系统的集成",
                                            "非标自动化设备的设计和生产"),
            systems=INVENTIVE, services={"SVC-AFTERSALES": ("自动化设备的售后服务",)},
            boutique=("工业机器人工作站",), words=("智能装备", "自动化设备")),
    Profile("medical-devices", "35", ("C32.5",), ("一次性使用无菌注射器的生产", "医用口罩的生产",
                                                 "医用敷料的生产"),
            systems=INVENTIVE, boutique=("一次性使用输液器",), words=("医疗器械",)),
    Profile("mould", "35", ("C25.73",), ("塑料模具的设计和制造", "冲压模具的设计和制造"), boutique=("汽车覆盖件模具",),
            words=("模具",)),
    Profile("fire-equipment", "35", ("C28.29",), ("消防设备的生产", "灭火器的生产"),
            ccc=("1809", "1814"), boutique=("推车式灭火器",), words=("消防设备",)),
    Profile("auto-parts", "36", ("C29.3",), ("汽车零部件的生产", "汽车座椅的生产", "汽车灯具的生产"),
            ccc=("1114", "1109", "1104", "1108", "1110"), boutique=("汽车制动系统总成",),
            words=("汽车零部件", "汽车配件")),
    Profile("shipbuilding", "37", ("C30.1",), ("钢质船舶的建造和修理",), systems=HEAVY, boutique=("内河集装箱船",),
            words=("船舶",)),
    Profile("electrical", "38", ("C27.1", "C27.3"), ("低压成套开关设备的设计和生产", "配电箱的生产",
                                                    "电气控制设备的生产"),
            ccc=("0201", "0202", "0204", "0206"), products={"ENERGY-SAVING": ("配电变压器",)},
            boutique=("智能配电柜",), words=("电气",)),
    Profile("appliances", "38", ("C27.5",), ("家用电器的设计和生产", "电热水器的生产", "电风扇的生产",
                                            "厨房电器的生产"),
            ccc=("0701", "0702", "0703", "0705", "0706", "0708", "0714", "0716", "0717", "0718"),
            products={"ENERGY-SAVING": ("房间空气调节器", "储水式电热水器")},
            services={"SVC-AFTERSALES": ("家用电器的售后服务",)}, boutique=("储水式电热水器", "吸油烟机"),
            words=("电器",)),
    Profile("cable", "38", ("C27.3",), ("电线电缆的生产", "电力电缆的生产"), ccc=("0105", "0104", "0101"),
            boutique=("交联聚乙烯绝缘电力电缆",), words=("电缆",)),
    Profile("photovoltaic", "38", ("C27.9",), ("晶体硅光伏组件的研发和生产", "太阳能电池片的生产"),
            systems=INVENTIVE | HEAVY, boutique=("晶体硅光伏组件",), words=("光伏",)),
    Profile("motor", "38", ("C27.1",), ("中小型电机的设计和生产", "防爆电机的生产"), ccc=("2301",),
            products={"ENERGY-SAVING": ("中小型三相异步电动机",), "LOW-CARBON": ("中小型三相异步电动机",)},
            boutique=("高效节能电动机",), words=("电机",)),
    Profile("electronics", "39", ("C26.1", "C26.2"), ("电子元器件的生产", "印制电路板组件的生产",
                                                     "电子产品的设计和生产"),
            systems=INVENTIVE, ccc=("0907", "0807", "0903", "0901", "1901", "1902"),
            services={"SVC-AFTERSALES": ("电子产品的售后服务",)}, boutique=("印制电路板",),
            words=("电子科技", "电子")),
    Profile("optoelectronics", "39", ("C26.7", "C26.1"), ("LED显示屏的生产", "光电器件的生产"), systems=INVENTIVE,
            ccc=("1001",), boutique=("LED显示屏",), words=("光电",)),
    Profile("semiconductor", "39", ("C26.1",), ("集成电路的封装和测试", "半导体分立器件的生产"), systems=INVENTIVE,
            boutique=("功率半导体器件",), words=("半导体",)),
    Profile("telecom-equipment", "39", ("C26.3",), ("通信设备的设计、生产和服务", "光纤通信设备的生产"),
            systems=INVENTIVE, ccc=("1608", "1606", "1603"), boutique=("光纤通信设备",), words=("通信技术",)),
    Profile("instruments", "40", ("C26.5",), ("工业自动化仪表的生产", "流量计的设计和生产"), systems=INVENTIVE,
            ccc=("2314",), boutique=("智能电磁流量计",), words=("仪器仪表",)),
    Profile("recycling", "42", ("E38.3",), ("废旧金属的回收和加工", "废塑料的回收利用"), words=("再生资源",)),
    # D: power, gas, water
    Profile("power", "44", ("D35.1",), ("电力供应服务", "光伏电站的运营维护", "分布式光伏电站的开发、建设和运营"),
            systems=UTILITY, words=("电力", "新能源")),
    Profile("gas", "45", ("D35.2",), ("管道天然气的供应服务", "燃气设施的运行维护"), systems=UTILITY, words=("燃气",)),
    Profile("water", "46", ("E36",), ("城市供水服务", "自来水的生产和供应"), systems=UTILITY, words=("水务",)),
    # E: construction
    Profile("building", "47", ("F41",), ("房屋建筑工程施工", "建筑工程施工总承包"), systems={"IMS": 1.0},
            words=("建设", "建筑工程")),
    Profile("civil-engineering", "48", ("F42",), ("市政公用工程施工", "公路工程施工", "园林绿化工程施工和养护"),
            systems={"IMS": 1.0}, words=("建设工程", "市政工程", "路桥工程", "园林绿化")),
    Profile("installation", "49", ("F43.2",), ("机电设备安装工程施工", "建筑智能化工程施工", "消防设施工程施工"),
            systems={"IMS": 0.8}, words=("建筑安装工程", "机电安装")),
    Profile("decoration", "50", ("F43.3",), ("建筑装修装饰工程的设计和施工", "建筑幕墙工程的设计和施工"),
            systems={"IMS": 0.8}, services={"SVC-DESIGN": ("建筑装饰设计服务",)}, words=("装饰工程", "幕墙")),
    # F: wholesale and retail
    Profile("wholesale", "51", ("G46",), ("五金交电、机电设备的销售", "纺织品、服装的销售",
                                         "化工原料（危险化学品除外）的销售", "日用百货的批发"),
            systems={"SCSMS": 0.6}, services={"SVC-AFTERSALES": ("机电设备的售后服务",)},
            words=("贸易", "进出口", "国际贸易")),
    Profile("retail", "52", ("G47",), ("日用百货的零售", "办公用品的销售", "电子产品的销售"),
            services={"SVC-AFTERSALES": ("电子产品的销售及售后服务",), "SVC-ECOMMERCE": ("网络零售服务",)},
            words=("商贸",)),
    Profile("pharmacy", "52", ("G47.73",), ("药品（中成药、化学药制剂）的零售", "医疗器械的零售"),
            words=("医药连锁",)),
    Profile("car-dealer", "52", ("G45.1", "G45.2"), ("汽车的销售和维修服务",),
            services={"SVC-AFTERSALES": ("汽车的售后服务",)}, words=("汽车销售服务",)),
    # G: transport, storage, post
    Profile("transport", "54", ("H49.4",), ("道路普通货物运输服务", "物流配送服务"), systems={"SCSMS": 1.0},
            services={"SVC-LOGISTICS": ("物流服务（道路运输、仓储、配送）",), "SVC-TRANSPORT": ("道路货物运输服务",)},
            words=("物流", "运输")),
    Profile("warehousing", "59", ("H52.1",), ("仓储服务（危险化学品除外）", "冷链仓储服务"), systems={"SCSMS": 1.0},
            services={"SVC-LOGISTICS": ("仓储服务",)}, words=("仓储",)),
    Profile("express", "60", ("H53.2",), ("快递服务",), systems={"SCSMS": 0.5},
            services={"SVC-LOGISTICS": ("快递服务",)}, words=("快递",)),
    # H: hotels and catering
    Profile("hotel", "61", ("I55.1",), ("酒店管理服务", "住宿和会议服务"), systems={"FSMS": 0.8},
            services={"SVC-TOURISM": ("酒店住宿服务",)}, words=("酒店管理",)),
    Profile("catering", "62", ("I56.2", "I56.1"), ("餐饮服务（团体膳食）", "食堂承包经营服务"), systems=FOOD,
            words=("餐饮管理",)),
    # I: information technology
    Profile("internet", "64", ("J63.1",), ("互联网信息服务", "网站的设计、开发和运营维护"), systems=IT,
            services={"SVC-ECOMMERCE": ("电子商务平台服务",), "SVC-INFORMATION": ("互联网数据服务",)},
            words=("网络科技",)),
    Profile("software", "65", ("J62",), ("计算机软件的开发和技术服务", "信息系统集成服务",
                                         "计算机软件的开发、销售和技术服务", "数据处理和存储服务"),
            systems=IT, services={"SVC-INFORMATION": ("信息技术服务（软件开发、系统运维）",)},
            words=("科技", "智能科技", "信息科技", "信息技术", "软件", "数据科技")),
    # K, L: real estate, leasing and business services
    Profile("real-estate", "70", ("L68.1",), ("房地产开发",), words=("置业", "房地产开发")),
    Profile("property", "70", ("L68.32",), ("物业管理服务", "住宅小区的物业管理服务"), systems={"AMS": 0.6},
            words=("物业管理",)),
    Profile("leasing", "71", ("N77.3",), ("工程机械设备的租赁", "建筑设备的租赁"), words=("设备租赁",)),
    Profile("supply-chain", "72", ("N82.9", "H52.2"), ("供应链管理服务",), systems={"SCSMS": 1.5},
            services={"SVC-LOGISTICS": ("供应链管理服务",)}, words=("供应链管理",)),
    Profile("consulting", "72", ("M70.2",), ("企业管理咨询服务",), words=("企业管理咨询",)),
    Profile("staffing", "72", ("N78",), ("人力资源外包服务", "劳务派遣服务"), words=("人力资源",)),
    Profile("advertising", "72", ("M73.1",), ("广告的设计、制作和发布", "文化艺术交流活动的策划"),
            words=("广告", "文化传媒")),
    Profile("security-guards", "72", ("N80.1",), ("保安服务（门卫、巡逻、守护）",), words=("保安服务",)),
    # M: professional and technical services
    Profile("testing", "74", ("M71.2",), ("检验检测技术服务", "建设工程质量检测服务"), words=("检测技术",)),
    Profile("engineering", "74", ("M71.1",), ("工程设计服务", "工程咨询服务", "工程技术服务"),
            services={"SVC-DESIGN": ("工程设计服务",)}, words=("工程技术", "设计", "工程咨询")),
    # N: environment
    Profile("environment", "77", ("E39", "E37"), ("污水处理设施的运营服务", "环境污染治理设施的运营维护",
                                                 "土壤修复服务"),
            words=("环保科技", "环境工程", "环保")),
    # O: household services and repair
    Profile("housekeeping", "80", ("S96.0",), ("家政服务", "保洁服务"),
            services={"SVC-ELDERLY-CARE": ("居家养老服务",)}, words=("家政服务",)),
    Profile("car-repair", "81", ("G45.2",), ("机动车维修服务",), services={"SVC-AFTERSALES": ("汽车维修服务",)},
            words=("汽车维修",)),
    # P, Q, R: education, health, culture and sports
    Profile("education", "83", ("P85.5",), ("职业技能培训服务", "教育软件的开发和教育培训服务"),
            services={"SVC-EDUCATION": ("职业技能培训服务", "教育培训服务")}, words=("教育科技",)),
    Profile("health", "84", ("Q86.9",), ("健康体检服务", "健康管理咨询服务"),
            services={"SVC-HEALTH": ("健康管理服务",)}, words=("健康管理",)),
    Profile("film", "87", ("J59.1",), ("影视节目的制作和发行",), words=("影视文化",)),
    Profile("sports", "89", ("R93.1",), ("体育场馆的运营管理服务", "体育赛事的组织服务"), words=("体育发展",)),
)

BY_KEY = {p.key: p for p in PROFILES}
BY_WORD = {w: p for p in PROFILES for w in p.words}
# The profile of a division when the name says nothing more (the first one listed for it).
BY_DIVISION: dict[str, Profile] = {}
for _p in PROFILES:
    BY_DIVISION.setdefault(_p.division, _p)
_WORDS_LONGEST_FIRST = sorted(((w, code) for w, code, *_ in INDUSTRY_WORDS), key=lambda wc: -len(wc[0]))

# Management-system certificates: the scope says what the system covers.
SCOPE_SUFFIX = {
    "EMS": "所涉及的环境管理活动", "OHSMS": "所涉及的职业健康安全管理活动", "EnMS": "所涉及的能源管理活动",
    "AMS": "所涉及的资产管理活动", "BCMS": "所涉及的业务连续性管理活动", "SCSMS": "所涉及的供应链安全管理活动",
    "ISMS": "所涉及的信息安全管理活动", "IPMS": "所涉及的知识产权管理活动",
}
SCOPE_PREFIX = {"ITSMS": "向外部客户提供"}
SCOPE_PREFIX_END = {"ITSMS": "的服务管理"}


def management_scope(scheme: str, activity: str) -> str:
    """A management-system certificate's scope for a firm doing `activity`."""
    if scheme in SCOPE_PREFIX:
        return f"{SCOPE_PREFIX[scheme]}{activity}{SCOPE_PREFIX_END[scheme]}"
    return activity + SCOPE_SUFFIX.get(scheme, "")


def management_activity(scheme: str, scope_text: str) -> str:
    """The activity a management-system scope was made from (the inverse of
    `management_scope`)."""
    if scheme in SCOPE_PREFIX:
        return scope_text.removeprefix(SCOPE_PREFIX[scheme]).removesuffix(SCOPE_PREFIX_END[scheme])
    suffix = SCOPE_SUFFIX.get(scheme, "")
    return scope_text.removesuffix(suffix) if suffix else scope_text


def profile_of(name: str, division: str) -> Profile | None:
    """The profile of an organization from its name's industry word and its industry
    division; None for a division no profile covers."""
    for word, code in _WORDS_LONGEST_FIRST:
        if code == division and word in name and word in BY_WORD:
            return BY_WORD[word]
    return BY_DIVISION.get(division)


# --- IAF sectors from NACE codes (the reference list's own text) ------------------------------

_ITEM = re.compile(r"(\d+(?:\.\d+)?)(?:\s*\(except ([^)]*)\))?")


def nace_listing(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """An IAF sector's NACE column as (section letter, code, excepted codes): "C 24 (except
    24.46), 25 (except 25.4), 33.11" -> [("C", "24", ("24.46",)), ("C", "25", ("25.4",)),
    ("C", "33.11", ())]."""
    out = []
    for group in text.split(";"):
        letter, _, rest = group.strip().partition(" ")
        for item in _ITEM.finditer(rest):
            excepts = tuple(e.strip() for e in item.group(2).split(",")) if item.group(2) else ()
            out.append((letter, item.group(1), excepts))
    return out


def _under(code: str, parent: str) -> bool:
    return code == parent or code.startswith(parent + ".")


def covers(listing: Iterable[tuple[str, str, tuple[str, ...]]], nace: str) -> bool:
    """Whether a NACE code such as "C28.14" falls in a sector's listing."""
    letter, code = nace[0], nace[1:]
    return any(letter == lt and _under(code, listed) and not any(_under(code, e) for e in excepts)
               for lt, listed, excepts in listing)


def iaf_sectors(sectors: Mapping[int, str], nace: Iterable[str]) -> list[int]:
    """The IAF sectors (number -> NACE column) that cover any of these NACE codes."""
    listings = {number: nace_listing(text) for number, text in sectors.items()}
    codes = list(nace)
    return sorted(n for n, listing in listings.items() if any(covers(listing, c) for c in codes))

"""Word lists the demo names are built from. Every name made from them is invented: a trade
name (字号) is two or three characters drawn at random, so any likeness to a real firm is
chance, and the demo never pairs a real organization's code with an invented status.

The lists are ordinary Chinese vocabulary written for this project: characters common in
trade names (with their pinyin, for English names), industry words with the GB/T 4754
division they belong to, common surnames and given-name characters, road names.
"""

from __future__ import annotations

import re

# Trade-name characters: "character pinyin weight"; a higher weight is more common in names. The
# last rows are rarer characters: names with them are the rare queries of the benchmarks.
_TRADE_TABLE = """
    华 hua 5  兴 xing 5  昌 chang 3  盛 sheng 4  泰 tai 4  隆 long 3  鑫 xin 4  源 yuan 4  达 da 4  恒 heng 5
    通 tong 4  宏 hong 4  伟 wei 3  新 xin 4  丰 feng 3  瑞 rui 4  祥 xiang 3  福 fu 3  德 de 4  康 kang 3
    宝 bao 3  金 jin 4  利 li 4  元 yuan 3  嘉 jia 4  安 an 4  永 yong 3  佳 jia 3  旺 wang 2  凯 kai 3
    博 bo 3  天 tian 4  海 hai 4  信 xin 4  诚 cheng 3  和 he 3  美 mei 3  亚 ya 3  东 dong 4  中 zhong 4
    光 guang 3  明 ming 3  辉 hui 3  荣 rong 3  富 fu 3  升 sheng 2  腾 teng 3  飞 fei 2  豪 hao 2  润 run 3
    弘 hong 2  晟 sheng 2  鼎 ding 3  益 yi 3  汇 hui 3  聚 ju 2  合 he 3  力 li 3  创 chuang 3  远 yuan 3
    航 hang 2  星 xing 3  阳 yang 3  晨 chen 2  峰 feng 3  泽 ze 3  澜 lan 1  锦 jin 3  翔 xiang 2  宇 yu 3
    昊 hao 2  睿 rui 2  智 zhi 3  慧 hui 2  联 lian 3  邦 bang 2  正 zheng 3  大 da 3  长 chang 3  江 jiang 3
    沃 wo 2  迪 di 2  普 pu 2  特 te 2  威 wei 2  克 ke 1  朗 lang 2  赛 sai 2  欧 ou 2  奥 ao 2
    立 li 2  捷 jie 2  顺 shun 3  发 fa 2  万 wan 3  方 fang 2  圆 yuan 1  龙 long 3  凤 feng 1  春 chun 2
    秋 qiu 1  银 yin 2  铭 ming 2  钧 jun 1  铖 cheng 1  骏 jun 2  驰 chi 2  精 jing 2  工 gong 1  久 jiu 2
    九 jiu 2  百 bai 2  千 qian 1  成 cheng 3  建 jian 2  国 guo 2  民 min 1  友 you 2  景 jing 2  云 yun 2
    青 qing 2  蓝 lan 2  绿 lv 1  紫 zi 1  红 hong 2  仁 ren 2  义 yi 1  礼 li 1  协 xie 2  同 tong 2
    振 zhen 2  卓 zhuo 2  越 yue 2  超 chao 2  优 you 2  领 ling 1  先 xian 1  锐 rui 2  亿 yi 2  兆 zhao 2
    亨 heng 1  淼 miao 0.4  犇 ben 0.2  焱 yan 0.3  垚 yao 0.3  喆 zhe 0.3  昇 sheng 0.4  玥 yue 0.3
    珏 jue 0.3  煜 yu 0.4  琪 qi 0.5  璟 jing 0.3  翊 yi 0.3  燊 shen 0.2  赟 yun 0.2  勰 xie 0.1
    骉 biao 0.1  淳 chun 0.5  濠 hao 0.3  滢 ying 0.3  瀚 han 0.6  钰 yu 0.5  铂 bo 0.5  镭 lei 0.2
    熠 yi 0.3  暻 jing 0.1
"""
TRADE_CHARS: list[tuple[str, str, float]] = [
    (c, p, float(w)) for c, p, w in re.findall(r"(\S) ([a-z]+) ([\d.]+)", _TRADE_TABLE)
]

# Industry words: "word|GB/T 4754-2017 division|English|m (manufacturing) or -|weight".
_INDUSTRY_TABLE = """
科技|65|Technology|-|9
智能科技|65|Intelligent Technology|-|4
电子科技|39|Electronic Technology|m|3
新材料科技|26|New Material Technology|m|2
环保科技|77|Environmental Technology|-|2
生物科技|27|Biotechnology|m|2
信息科技|65|Information Technology|-|2
网络科技|64|Network Technology|-|3
信息技术|65|Information Technology|-|2
软件|65|Software|-|1.5
数据科技|65|Data Technology|-|1
教育科技|83|Education Technology|-|1
机械|34|Machinery|m|4
机械制造|34|Machinery Manufacturing|m|2
精密机械|34|Precision Machinery|m|1.5
阀门|34|Valve|m|0.8
泵业|34|Pump|m|0.6
轴承|34|Bearing|m|0.6
重工|35|Heavy Industry|m|0.6
智能装备|35|Intelligent Equipment|m|1.5
自动化设备|35|Automation Equipment|m|1.2
医疗器械|35|Medical Devices|m|1
模具|35|Mould|m|0.8
消防设备|35|Fire Equipment|m|0.5
电气|38|Electric|m|2
电器|38|Electrical Appliance|m|1.2
电缆|38|Cable|m|0.8
光伏|38|Photovoltaic|m|0.8
电机|38|Motor|m|0.6
电子|39|Electronics|m|2
光电|39|Optoelectronics|m|0.8
半导体|39|Semiconductor|m|0.5
通信技术|39|Communication Technology|m|0.6
仪器仪表|40|Instruments|m|0.6
化工|26|Chemical|m|1.5
新材料|26|New Material|m|1.2
涂料|26|Coatings|m|0.5
医药|27|Pharmaceutical|m|1
制药|27|Pharmaceutical|m|0.5
塑业|29|Plastics|m|0.8
橡塑制品|29|Rubber and Plastic Products|m|0.6
建材|30|Building Materials|m|1.2
玻璃|30|Glass|m|0.5
陶瓷|30|Ceramics|m|0.4
钢铁|31|Iron and Steel|m|0.4
特钢|31|Special Steel|m|0.3
铝业|32|Aluminium|m|0.5
铜业|32|Copper|m|0.3
金属制品|33|Metal Products|m|1.2
五金|33|Hardware|m|1.2
钢结构|33|Steel Structure|m|0.8
汽车零部件|36|Auto Parts|m|1.2
汽车配件|36|Auto Parts|m|0.8
船舶|37|Shipbuilding|m|0.3
纺织|17|Textile|m|1.5
家纺|17|Home Textile|m|0.6
织造|17|Weaving|m|0.5
服饰|18|Apparel|m|1.2
服装|18|Garment|m|1
鞋业|19|Footwear|m|0.4
食品|14|Food|m|2
粮油|13|Grain and Oil|m|0.6
饲料|13|Feed|m|0.4
茶业|15|Tea|m|0.5
酒业|15|Wine and Spirits|m|0.4
木业|20|Wood|m|0.6
家具|21|Furniture|m|1
包装|22|Packaging|m|1
纸业|22|Paper|m|0.5
印务|23|Printing|m|0.6
文体用品|24|Stationery and Sports Goods|m|0.4
再生资源|42|Recycling|-|0.6
农业发展|01|Agricultural Development|-|1
生态农业|01|Ecological Agriculture|-|0.8
农业科技|01|Agricultural Technology|-|0.6
园林绿化|48|Landscaping|-|0.6
水产|04|Aquatic Products|-|0.4
畜牧|03|Animal Husbandry|-|0.3
电力|44|Electric Power|-|0.5
新能源|44|New Energy|-|1.2
燃气|45|Gas|-|0.3
水务|46|Water|-|0.3
建设|47|Construction|-|2.5
建设工程|48|Construction Engineering|-|1.5
建筑工程|47|Building Engineering|-|1
市政工程|48|Municipal Engineering|-|0.8
路桥工程|48|Road and Bridge Engineering|-|0.4
建筑安装工程|49|Building Installation|-|0.6
机电安装|49|Electromechanical Installation|-|0.6
装饰工程|50|Decoration Engineering|-|1.5
幕墙|50|Curtain Wall|-|0.3
贸易|51|Trading|-|4
商贸|52|Commerce|-|3
进出口|51|Import and Export|-|1.2
国际贸易|51|International Trading|-|0.8
医药连锁|52|Pharmacy Chain|-|0.4
汽车销售服务|52|Automobile Sales and Service|-|0.6
物流|54|Logistics|-|2
运输|54|Transport|-|1
供应链管理|72|Supply Chain Management|-|1
仓储|59|Warehousing|-|0.5
快递|60|Express|-|0.3
酒店管理|61|Hotel Management|-|0.6
餐饮管理|62|Catering Management|-|0.8
置业|70|Real Estate|-|0.8
房地产开发|70|Real Estate Development|-|0.6
物业管理|70|Property Management|-|1.2
设备租赁|71|Equipment Leasing|-|0.4
企业管理咨询|72|Management Consulting|-|1.5
人力资源|72|Human Resources|-|0.8
广告|72|Advertising|-|0.6
保安服务|72|Security Services|-|0.3
检测技术|74|Testing Technology|-|0.6
工程技术|74|Engineering Technology|-|0.8
设计|74|Design|-|0.6
工程咨询|74|Engineering Consulting|-|0.5
环境工程|77|Environmental Engineering|-|0.8
环保|77|Environmental Protection|-|0.8
家政服务|80|Housekeeping Services|-|0.4
汽车维修|81|Automobile Repair|-|0.4
健康管理|84|Health Management|-|0.5
文化传媒|72|Culture and Media|-|1
影视文化|87|Film and Television|-|0.3
体育发展|89|Sports Development|-|0.3
"""
INDUSTRY_WORDS: list[tuple[str, str, str, bool, float]] = [
    (w, code, en, kind == "m", float(weight))
    for w, code, en, kind, weight in (line.split("|") for line in _INDUSTRY_TABLE.strip().splitlines())
]

# Legal forms: (suffix, English, weight, manufacturing only?)
LEGAL_FORMS: list[tuple[str, str, float, bool]] = [
    ("有限公司", "Co., Ltd.", 74, False),
    ("有限责任公司", "Co., Ltd.", 8, False),
    ("股份有限公司", "Co., Ltd.", 7, False),
    ("集团有限公司", "Group Co., Ltd.", 3, False),
    ("厂", "Factory", 5, True),
]

# Common surnames with rough weights (the most common ones carry most people).
SURNAMES: list[tuple[str, float]] = [
    ("王", 7.1), ("李", 7.0), ("张", 6.9), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1), ("黄", 2.2), ("赵", 2.0),
    ("吴", 2.0), ("周", 1.9), ("徐", 1.5), ("孙", 1.4), ("马", 1.3), ("朱", 1.3), ("胡", 1.2), ("郭", 1.1),
    ("何", 1.1), ("高", 1.0), ("林", 1.0), ("罗", 0.9), ("郑", 0.9), ("梁", 0.8), ("谢", 0.8), ("宋", 0.7),
    ("唐", 0.7), ("许", 0.7), ("韩", 0.6), ("冯", 0.6), ("邓", 0.6), ("曹", 0.6), ("彭", 0.6), ("曾", 0.6),
    ("肖", 0.5), ("田", 0.5), ("董", 0.5), ("袁", 0.5), ("潘", 0.5), ("于", 0.5), ("蒋", 0.5), ("蔡", 0.5),
    ("余", 0.5), ("杜", 0.5), ("叶", 0.4), ("程", 0.4), ("苏", 0.4), ("魏", 0.4), ("吕", 0.4), ("丁", 0.4),
    ("任", 0.4), ("沈", 0.4), ("姚", 0.4), ("卢", 0.4), ("姜", 0.3), ("崔", 0.3), ("钟", 0.3), ("谭", 0.3),
    ("陆", 0.3), ("汪", 0.3), ("范", 0.3), ("金", 0.3), ("石", 0.3), ("廖", 0.3), ("贾", 0.3), ("夏", 0.3),
    ("韦", 0.3), ("付", 0.3), ("方", 0.3), ("白", 0.3), ("邹", 0.3), ("孟", 0.3), ("熊", 0.3), ("秦", 0.3),
    ("邱", 0.3), ("江", 0.3), ("尹", 0.2), ("薛", 0.2), ("闫", 0.2), ("段", 0.2), ("雷", 0.2), ("侯", 0.2),
    ("龙", 0.2), ("史", 0.2), ("陶", 0.2), ("黎", 0.2), ("贺", 0.2), ("顾", 0.2), ("毛", 0.2), ("郝", 0.2),
    ("龚", 0.2), ("邵", 0.2), ("万", 0.2), ("钱", 0.2), ("严", 0.2), ("覃", 0.1), ("武", 0.2), ("戴", 0.2),
    ("莫", 0.1), ("孔", 0.1), ("向", 0.1), ("汤", 0.1), ("欧阳", 0.05), ("司马", 0.01), ("诸葛", 0.01),
]

GIVEN_MALE = ("伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
              "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "洋", "峰", "建",
              "国", "志", "文", "晨", "阳", "博", "昊", "天", "子", "轩", "睿", "泽", "宏", "海", "东", "亮")
GIVEN_FEMALE = ("芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "慧", "莹", "倩", "琳",
                "洁", "颖", "佳", "欣", "悦", "怡", "萍", "红", "梅", "兰", "琴", "云", "晶", "璐", "雯", "蕾",
                "丹", "菲", "思", "雨", "梦", "诗", "涵", "瑶", "楠", "妍", "月", "彤", "晓", "秀", "媛", "露")

ROAD_WORDS = ("人民", "中山", "解放", "建设", "和平", "新华", "长江", "黄河", "东风", "胜利", "友谊", "工业",
              "科技", "创新", "发展", "振兴", "富民", "青年", "文化", "学府", "太湖", "运河", "金山", "银杏",
              "梧桐", "香樟", "紫金", "凤凰", "锦绣", "朝阳", "迎宾", "通江", "望江", "滨河", "滨湖", "园区",
              "兴业", "兴隆", "华山", "泰山", "嵩山", "昆仑", "天目", "玉兰", "海棠", "丁香", "桂花", "春晖")
ROAD_KINDS = (("路", 6), ("大道", 2), ("街", 1), ("东路", 1), ("西路", 1), ("南路", 1), ("北路", 1), ("中路", 1))
PARK_WORDS = ("经济开发区", "高新技术产业开发区", "工业园", "科技园", "产业园")

# Telephone area codes of the demo province's cities.
AREA_CODES = {"3201": "025", "3202": "0510", "3203": "0516", "3204": "0519", "3205": "0512", "3206": "0513",
              "3207": "0518", "3208": "0517", "3209": "0515", "3210": "0514", "3211": "0511", "3212": "0523",
              "3213": "0527"}

# Lab scope lines per professional field (data/lab-fields): (object or parameter, standard).
LAB_BASIC = ("检验检测机构资质认定能力评价 检验检测机构通用要求", "RB/T 214-2017")
LAB_ITEMS: dict[str, list[tuple[str, str]]] = {
    "00": [("食品中铅的测定", "GB 5009.12-2023"), ("食品微生物学检验 菌落总数测定", "GB 4789.2-2022"),
           ("食品中水分的测定", "GB 5009.3-2016"), ("食品中农药最大残留限量", "GB 2763-2021")],
    "01": [("混凝土物理力学性能", "GB/T 50081-2019"), ("金属材料 拉伸试验", "GB/T 228.1-2021"),
           ("建筑基桩检测", "JGJ 106-2014"), ("建筑节能工程施工质量验收", "GB 50411-2019")],
    "02": [("水泥胶砂强度检验", "GB/T 17671-2021"), ("建设用砂", "GB/T 14684-2022"),
           ("建筑材料放射性核素限量", "GB 6566-2010")],
    "04": [("饲料中粗蛋白的测定", "GB/T 6432-2018"), ("土壤检测 有效磷的测定", "NY/T 1121.7-2014")],
    "05": [("机动车运行安全技术条件", "GB 7258-2017"), ("机动车安全技术检验项目和方法", "GB 38900-2020")],
    "08": [("可移式电动工具的安全", "GB/T 3883.1-2014"), ("承压设备无损检测 射线检测", "NB/T 47013.2-2015"),
           ("起重机 试验规范和程序", "GB/T 5905-2011")],
    "09": [("信息技术设备 电磁兼容", "GB/T 9254.1-2021"), ("音视频、信息技术和通信技术设备 安全", "GB 4943.1-2022"),
           ("软件产品质量要求和测试细则", "GB/T 25000.51-2016")],
    "10": [("室内装饰装修材料 木家具中有害物质限量", "GB 18584-2001"), ("纸、纸板和纸浆 白度的测定", "GB/T 7974-2013"),
           ("塑料 拉伸性能的测定", "GB/T 1040.2-2022")],
    "11": [("纺织品 甲醛的测定", "GB/T 2912.1-2009"), ("纺织品 色牢度试验 耐摩擦色牢度", "GB/T 3920-2008"),
           ("国家纺织产品基本安全技术规范", "GB 18401-2010")],
    "12": [("环境空气 二氧化硫的测定", "HJ 482-2009"), ("声环境质量标准", "GB 3096-2008"),
           ("土壤和沉积物 金属元素的测定", "HJ 491-2019")],
    "13": [("水质 化学需氧量的测定", "HJ 828-2017"), ("水质 氨氮的测定", "HJ 535-2009"),
           ("水质 pH值的测定", "HJ 1147-2020")],
    "14": [("石油产品 闪点的测定", "GB/T 261-2021"), ("涂料中挥发性有机化合物含量的测定", "GB/T 23985-2009")],
    "15": [("医用电气设备 基本安全和基本性能", "GB 9706.1-2020"), ("医疗器械生物学评价", "GB/T 16886.5-2017")],
    "17": [("煤的工业分析方法", "GB/T 212-2008"), ("电能质量 供电电压偏差", "GB/T 12325-2008")],
    "20": [("消费品使用说明", "GB/T 5296.1-2012"), ("包装储运图示标志", "GB/T 191-2008")],
}

# Scopes of certification, by scheme family (demo certificates).
CERT_SCOPES = {
    "management": (
        "机械零部件的设计、生产和服务", "电子元器件的生产", "塑料制品的生产", "金属结构件的加工",
        "计算机软件的开发和技术服务", "建筑工程施工", "物业管理服务", "餐饮服务", "纺织品的生产",
        "医疗器械的销售", "化工原料（危险化学品除外）的销售", "仓储和物流服务", "汽车零部件的生产",
        "食品的生产（速冻食品）", "环保设备的设计和生产", "信息系统集成服务",
    ),
    "ccc": (
        "家用电冰箱", "家用和类似用途的电冰箱及冷冻箱", "额定电压450/750V及以下聚氯乙烯绝缘电线电缆",
        "小功率电动机", "电动工具（电钻）", "插头插座", "灯具", "童车",
    ),
    "product": (
        "绿色产品（建筑陶瓷）", "节能产品（空气调节器）", "节水产品（水嘴）", "有机产品（大米）",
        "良好农业规范（蔬菜）", "低碳产品（水泥）", "绿色建材（预拌混凝土）", "苏式糕点",
    ),
    "service": (
        "家用电器的售后服务", "养老服务", "物流配送服务", "电子商务平台服务", "旅游接待服务",
        "职业技能培训服务", "信息技术服务", "设计服务",
    ),
}

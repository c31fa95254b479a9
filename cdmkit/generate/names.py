"""Name, street and place pools per locale for the demo data generator.

Pools are built once per run (from Faker's provider lists, a seeded Faker
instance and a few curated tables) and then sampled with numpy, so a million
persons cost a handful of array lookups instead of a million Faker calls.
Everything here is fictional: Faker's names combined at random, invented
street names, real city names (a city does not identify anyone).

Examples
--------
>>> pools = build_pools("en", seed=1)
>>> pools.country, pools.phone_cc
('GB', '44')
>>> len(pools.last) > 100
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["LOCALES", "LocalePools", "build_pools", "NICKNAMES", "PERSIAN_NICKNAMES",
           "to_arabic_letters", "to_fullwidth", "to_persian_digits"]

#: Supported locales: code -> (Faker locales, country, phone country code, language).
LOCALES = {
    "en": {"faker": ("en_GB", "en_US"), "country": "GB", "cc": "44", "language": "en"},
    "fa": {"faker": ("fa_IR",), "country": "IR", "cc": "98", "language": "fa"},
    "ja": {"faker": ("ja_JP",), "country": "JP", "cc": "81", "language": "ja"},
}

#: English given names and their common short forms (a record may use either).
NICKNAMES = {
    "Robert": ["Bob", "Rob"], "William": ["Bill", "Will"], "Elizabeth": ["Liz", "Beth"],
    "James": ["Jim", "Jamie"], "Richard": ["Rich", "Dick"], "Margaret": ["Maggie", "Peggy"],
    "Katherine": ["Kate", "Kathy"], "Catherine": ["Cathy", "Kate"], "Michael": ["Mike"],
    "Thomas": ["Tom"], "Christopher": ["Chris"], "Jonathan": ["Jon"], "Daniel": ["Dan"],
    "Matthew": ["Matt"], "Anthony": ["Tony"], "Edward": ["Ed", "Ted"], "Joseph": ["Joe"],
    "Samuel": ["Sam"], "Benjamin": ["Ben"], "Alexander": ["Alex"], "Andrew": ["Andy"],
    "Stephen": ["Steve"], "Steven": ["Steve"], "David": ["Dave"], "Jennifer": ["Jen"],
    "Rebecca": ["Becky"], "Victoria": ["Vicky"], "Susan": ["Sue"], "Patricia": ["Pat"],
    "Deborah": ["Debbie"], "Jessica": ["Jess"], "Samantha": ["Sam"], "Charlotte": ["Lottie"],
    "Alexandra": ["Alex"], "Nicholas": ["Nick"], "Timothy": ["Tim"], "Peter": ["Pete"],
    "Gregory": ["Greg"], "Jacqueline": ["Jackie"], "Kimberley": ["Kim"], "Abigail": ["Abby"],
    "Joshua": ["Josh"], "Gareth": ["Gaz"], "Leslie": ["Les"], "Kenneth": ["Ken"],
    "Frederick": ["Fred"], "Philip": ["Phil"], "Raymond": ["Ray"], "Ronald": ["Ron"],
    "Dorothy": ["Dot"], "Christine": ["Chris"], "Gillian": ["Gill"], "Pamela": ["Pam"],
    "Josephine": ["Jo"], "Joanne": ["Jo"], "Zachary": ["Zach"], "Nathan": ["Nate"],
}

#: Persian given names and colloquial forms.
PERSIAN_NICKNAMES = {"محمد": ["ممد"], "مصطفی": ["مصی"], "فاطمه": ["فاطی"], "زهرا": ["زهی"]}

# Curated Persian names with a Latin transliteration (used for e-mail addresses and
# for systems that only accept Latin script).
_FA_MALE = [
    ("محمد", "Mohammad"), ("علی", "Ali"), ("حسین", "Hossein"), ("رضا", "Reza"),
    ("مهدی", "Mahdi"), ("امیر", "Amir"), ("حسن", "Hassan"), ("مصطفی", "Mostafa"),
    ("سعید", "Saeed"), ("حمید", "Hamid"), ("مجید", "Majid"), ("فرهاد", "Farhad"),
    ("بهروز", "Behrouz"), ("کامران", "Kamran"), ("داریوش", "Dariush"), ("آرش", "Arash"),
    ("بابک", "Babak"), ("کیوان", "Keyvan"), ("پویا", "Pouya"), ("سینا", "Sina"),
    ("نیما", "Nima"), ("یاسر", "Yaser"), ("جواد", "Javad"), ("کریم", "Karim"),
    ("اکبر", "Akbar"), ("یوسف", "Yousef"), ("پیمان", "Peyman"), ("شهرام", "Shahram"),
    ("فرشید", "Farshid"), ("امید", "Omid"), ("کوروش", "Kourosh"), ("بهنام", "Behnam"),
]
_FA_FEMALE = [
    ("فاطمه", "Fatemeh"), ("زهرا", "Zahra"), ("مریم", "Maryam"), ("سارا", "Sara"),
    ("نرگس", "Narges"), ("لیلا", "Leila"), ("نازنین", "Nazanin"), ("شیرین", "Shirin"),
    ("پریسا", "Parisa"), ("مهسا", "Mahsa"), ("الهام", "Elham"), ("سمیرا", "Samira"),
    ("نسرین", "Nasrin"), ("کبری", "Kobra"), ("یاسمن", "Yasaman"), ("آزاده", "Azadeh"),
    ("مینا", "Mina"), ("ژاله", "Zhaleh"), ("رویا", "Roya"), ("نیلوفر", "Niloufar"),
    ("هانیه", "Hanieh"), ("کیمیا", "Kimia"), ("ستاره", "Setareh"), ("پروانه", "Parvaneh"),
    ("طاهره", "Tahereh"), ("عاطفه", "Atefeh"), ("بهاره", "Bahareh"), ("گلناز", "Golnaz"),
    ("شکوفه", "Shokoufeh"), ("یگانه", "Yeganeh"), ("مژگان", "Mozhgan"), ("سپیده", "Sepideh"),
]
_FA_LAST = [
    ("محمدی", "Mohammadi"), ("حسینی", "Hosseini"), ("احمدی", "Ahmadi"), ("رضایی", "Rezaei"),
    ("کریمی", "Karimi"), ("موسوی", "Mousavi"), ("جعفری", "Jafari"), ("رحیمی", "Rahimi"),
    ("کاظمی", "Kazemi"), ("صادقی", "Sadeghi"), ("قاسمی", "Ghasemi"), ("حیدری", "Heydari"),
    ("نوری", "Nouri"), ("اکبری", "Akbari"), ("یزدانی", "Yazdani"), ("کیانی", "Kiani"),
    ("شریفی", "Sharifi"), ("تهرانی", "Tehrani"), ("شیرازی", "Shirazi"), ("اصفهانی", "Esfahani"),
    ("نجفی", "Najafi"), ("یوسفی", "Yousefi"), ("ملکی", "Maleki"), ("زمانی", "Zamani"),
    ("کرمانی", "Kermani"), ("پورمحمد", "Pourmohammad"), ("رضازاده", "Rezazadeh"),
    ("اکبرپور", "Akbarpour"), ("فرهادی", "Farhadi"), ("عباسی", "Abbasi"),
    ("سلیمانی", "Soleimani"), ("بهرامی", "Bahrami"), ("قربانی", "Ghorbani"),
    ("کامرانی", "Kamrani"), ("مرادی", "Moradi"), ("جهانگیری", "Jahangiri"),
    ("طاهری", "Taheri"), ("باقری", "Bagheri"), ("نیک‌نام", "Niknam"), ("خسروی", "Khosravi"),
    ("امینی", "Amini"), ("توکلی", "Tavakoli"), ("فتحی", "Fathi"), ("میرزایی", "Mirzaei"),
]

_FA_MALE_MORE = [
    ("مهران", "Mehran"), ("رامین", "Ramin"), ("فرزاد", "Farzad"), ("سیاوش", "Siavash"),
    ("بیژن", "Bijan"), ("هومن", "Houman"), ("آرمان", "Arman"), ("میلاد", "Milad"),
    ("احسان", "Ehsan"), ("محسن", "Mohsen"), ("مسعود", "Masoud"), ("عباس", "Abbas"),
    ("ناصر", "Naser"), ("منصور", "Mansour"), ("هادی", "Hadi"), ("وحید", "Vahid"),
    ("صادق", "Sadegh"), ("مرتضی", "Morteza"), ("مجتبی", "Mojtaba"), ("ابراهیم", "Ebrahim"),
    ("اسماعیل", "Esmaeil"), ("کاوه", "Kaveh"), ("بردیا", "Bardia"), ("پارسا", "Parsa"),
    ("سهیل", "Soheil"), ("شاهین", "Shahin"), ("رستم", "Rostam"), ("سامان", "Saman"),
    ("ایمان", "Iman"), ("عرفان", "Erfan"),
]
_FA_FEMALE_MORE = [
    ("فرشته", "Fereshteh"), ("مهناز", "Mahnaz"), ("شهناز", "Shahnaz"), ("پرستو", "Parastoo"),
    ("ترانه", "Taraneh"), ("غزاله", "Ghazaleh"), ("نگار", "Negar"), ("بیتا", "Bita"),
    ("آیدا", "Aida"), ("هستی", "Hasti"), ("ملیکا", "Melika"), ("فریبا", "Fariba"),
    ("فرناز", "Farnaz"), ("شیوا", "Shiva"), ("سحر", "Sahar"), ("طناز", "Tannaz"),
    ("ریحانه", "Reyhaneh"), ("محدثه", "Mohadeseh"), ("زینب", "Zeinab"), ("معصومه", "Masoumeh"),
    ("اعظم", "Azam"), ("منیژه", "Manijeh"), ("سودابه", "Soudabeh"), ("گیتی", "Giti"),
    ("پریا", "Paria"), ("الناز", "Elnaz"), ("مهتاب", "Mahtab"), ("آناهیتا", "Anahita"),
    ("شبنم", "Shabnam"), ("لادن", "Ladan"),
]
# Persian family names are mostly a root (a given name, a place, a word) with a suffix:
# -zadeh "born of", -pour "son of", -nejad "descent", -far, -nia, -i, -ian, -vand, -lou.
_FA_ROOTS = [
    ("محمد", "Mohammad"), ("علی", "Ali"), ("حسین", "Hossein"), ("رضا", "Reza"),
    ("حسن", "Hassan"), ("امیر", "Amir"), ("نیک", "Nik"), ("کیا", "Kia"), ("شاه", "Shah"),
    ("مهر", "Mehr"), ("فرخ", "Farrokh"), ("بهار", "Bahar"), ("نور", "Nour"),
    ("جهان", "Jahan"), ("آزاد", "Azad"), ("اسد", "Asad"), ("خسرو", "Khosrow"),
    ("دانش", "Danesh"), ("زند", "Zand"), ("سپهر", "Sepehr"), ("قاسم", "Ghasem"),
    ("جعفر", "Jafar"), ("صادق", "Sadegh"), ("کاظم", "Kazem"), ("باقر", "Bagher"),
    ("یزدان", "Yazdan"), ("رحیم", "Rahim"), ("کریم", "Karim"), ("اکبر", "Akbar"),
    ("اصغر", "Asghar"), ("عباس", "Abbas"), ("نصر", "Nasr"), ("امین", "Amin"),
    ("حیدر", "Heydar"), ("منصور", "Mansour"), ("ابراهیم", "Ebrahim"), ("یوسف", "Yousef"),
    ("بهرام", "Bahram"), ("فرهاد", "Farhad"), ("کامران", "Kamran"), ("داوود", "Davoud"),
    ("سلیمان", "Soleiman"), ("طاهر", "Taher"), ("مراد", "Morad"), ("نادر", "Nader"),
]
_FA_SUFFIXES = [("\u200cزاده", "zadeh"), ("\u200cپور", "pour"), ("\u200cنژاد", "nejad"),
                ("\u200cفر", "far"), ("\u200cنیا", "nia"), ("ی", "i"), ("یان", "ian"),
                ("\u200cوند", "vand"), ("\u200cلو", "lou")]


def _persian_surnames() -> list[tuple[str, str]]:
    """The curated family names plus root + suffix compounds (native, Latin), sorted."""
    out = dict(_FA_LAST)
    for root, latin in _FA_ROOTS:
        for suffix, suffix_latin in _FA_SUFFIXES:
            if suffix in ("ی", "یان") and root[-1] in "اوهی":
                continue  # -i/-ian after a vowel letter needs an extra yeh; left out
            out.setdefault(root + suffix, latin + suffix_latin)
    return sorted(out.items())


# Japanese names beyond Faker's fifty surnames and fifty given names (kanji:katakana:romaji).
_JA_LAST_MORE = """
中野:ナカノ:Nakano 原田:ハラダ:Harada 小野:オノ:Ono 田村:タムラ:Tamura 竹内:タケウチ:Takeuchi
金子:カネコ:Kaneko 和田:ワダ:Wada 中山:ナカヤマ:Nakayama 石田:イシダ:Ishida 上田:ウエダ:Ueda
森田:モリタ:Morita 原:ハラ:Hara 柴田:シバタ:Shibata 酒井:サカイ:Sakai 工藤:クドウ:Kudo
横山:ヨコヤマ:Yokoyama 宮崎:ミヤザキ:Miyazaki 宮本:ミヤモト:Miyamoto 内田:ウチダ:Uchida
高木:タカギ:Takagi 安藤:アンドウ:Ando 谷口:タニグチ:Taniguchi 大野:オオノ:Ono
丸山:マルヤマ:Maruyama 今井:イマイ:Imai 高田:タカダ:Takada 藤本:フジモト:Fujimoto
武田:タケダ:Takeda 村田:ムラタ:Murata 上野:ウエノ:Ueno 杉山:スギヤマ:Sugiyama
増田:マスダ:Masuda 平野:ヒラノ:Hirano 大塚:オオツカ:Otsuka 千葉:チバ:Chiba 久保:クボ:Kubo
松井:マツイ:Matsui 小島:コジマ:Kojima 岩崎:イワサキ:Iwasaki 桜井:サクライ:Sakurai
野口:ノグチ:Noguchi 松尾:マツオ:Matsuo 野村:ノムラ:Nomura 木下:キノシタ:Kinoshita
菊地:キクチ:Kikuchi 佐野:サノ:Sano 大西:オオニシ:Onishi 杉本:スギモト:Sugimoto
新井:アライ:Arai 浜田:ハマダ:Hamada 菅原:スガワラ:Sugawara 市川:イチカワ:Ichikawa
水野:ミズノ:Mizuno 小松:コマツ:Komatsu 島田:シマダ:Shimada 古川:フルカワ:Furukawa
小山:コヤマ:Koyama 高野:タカノ:Takano 西田:ニシダ:Nishida 菊池:キクチ:Kikuchi
山内:ヤマウチ:Yamauchi 西川:ニシカワ:Nishikawa 五十嵐:イガラシ:Igarashi 北村:キタムラ:Kitamura
安田:ヤスダ:Yasuda 中田:ナカタ:Nakata 川口:カワグチ:Kawaguchi 平田:ヒラタ:Hirata
川崎:カワサキ:Kawasaki 飯田:イイダ:Iida 吉川:ヨシカワ:Yoshikawa 本田:ホンダ:Honda
久保田:クボタ:Kubota 沢田:サワダ:Sawada 辻:ツジ:Tsuji 関:セキ:Seki 吉村:ヨシムラ:Yoshimura
渡部:ワタナベ:Watanabe 岩田:イワタ:Iwata 中西:ナカニシ:Nakanishi 服部:ハットリ:Hattori
樋口:ヒグチ:Higuchi 福島:フクシマ:Fukushima 川上:カワカミ:Kawakami 永井:ナガイ:Nagai
松岡:マツオカ:Matsuoka 田口:タグチ:Taguchi 山中:ヤマナカ:Yamanaka 森本:モリモト:Morimoto
土屋:ツチヤ:Tsuchiya 矢野:ヤノ:Yano 広瀬:ヒロセ:Hirose 秋山:アキヤマ:Akiyama
石原:イシハラ:Ishihara 松下:マツシタ:Matsushita 大橋:オオハシ:Ohashi 松浦:マツウラ:Matsuura
吉岡:ヨシオカ:Yoshioka 小池:コイケ:Koike 馬場:ババ:Baba 浅野:アサノ:Asano 荒木:アラキ:Araki
大久保:オオクボ:Okubo 野田:ノダ:Noda 小沢:オザワ:Ozawa 田辺:タナベ:Tanabe
川村:カワムラ:Kawamura 星野:ホシノ:Hoshino 黒田:クロダ:Kuroda 堀:ホリ:Hori 尾崎:オザキ:Ozaki
望月:モチヅキ:Mochizuki 永田:ナガタ:Nagata 熊谷:クマガイ:Kumagai 内藤:ナイトウ:Naito
松村:マツムラ:Matsumura 西山:ニシヤマ:Nishiyama 大谷:オオタニ:Otani 平井:ヒライ:Hirai
大島:オオシマ:Oshima 岩本:イワモト:Iwamoto 片山:カタヤマ:Katayama 本間:ホンマ:Honma
早川:ハヤカワ:Hayakawa 横田:ヨコタ:Yokota 岡崎:オカザキ:Okazaki 荒井:アライ:Arai
大石:オオイシ:Oishi 鎌田:カマタ:Kamata 成田:ナリタ:Narita 宮田:ミヤタ:Miyata 小田:オダ:Oda
石橋:イシバシ:Ishibashi 篠原:シノハラ:Shinohara 須藤:スドウ:Sudo 河野:コウノ:Kono
大沢:オオサワ:Osawa 小西:コニシ:Konishi 南:ミナミ:Minami 高山:タカヤマ:Takayama
栗原:クリハラ:Kurihara 伊東:イトウ:Ito 松原:マツバラ:Matsubara 三宅:ミヤケ:Miyake
福井:フクイ:Fukui 大森:オオモリ:Omori 奥村:オクムラ:Okumura 岡:オカ:Oka 内山:ウチヤマ:Uchiyama
片岡:カタオカ:Kataoka 桑原:クワハラ:Kuwahara 関口:セキグチ:Sekiguchi 北川:キタガワ:Kitagawa
"""
_JA_MALE_MORE = """
翔太:ショウタ:Shota 大輝:ダイキ:Daiki 拓也:タクヤ:Takuya 健太:ケンタ:Kenta 翔:ショウ:Sho
大介:ダイスケ:Daisuke 亮:リョウ:Ryo 達也:タツヤ:Tatsuya 和也:カズヤ:Kazuya 直樹:ナオキ:Naoki
裕太:ユウタ:Yuta 悠斗:ユウト:Yuto 颯太:ソウタ:Sota 蓮:レン:Ren 陽翔:ハルト:Haruto
湊:ミナト:Minato 樹:イツキ:Itsuki 大和:ヤマト:Yamato 陸:リク:Riku 悠真:ユウマ:Yuma
智也:トモヤ:Tomoya 俊介:シュンスケ:Shunsuke 誠:マコト:Makoto 浩二:コウジ:Koji
健一:ケンイチ:Kenichi 隆:タカシ:Takashi 博:ヒロシ:Hiroshi 茂:シゲル:Shigeru 勝:マサル:Masaru
剛:ツヨシ:Tsuyoshi 哲也:テツヤ:Tetsuya 正樹:マサキ:Masaki 雅人:マサト:Masato
康介:コウスケ:Kosuke 慎吾:シンゴ:Shingo 光:ヒカル:Hikaru 圭:ケイ:Kei 秀樹:ヒデキ:Hideki
"""
_JA_FEMALE_MORE = """
陽子:ヨウコ:Yoko 恵子:ケイコ:Keiko 裕子:ユウコ:Yuko 真由美:マユミ:Mayumi 美香:ミカ:Mika
愛:アイ:Ai 彩:アヤ:Aya 舞:マイ:Mai 沙織:サオリ:Saori 香織:カオリ:Kaori 恵:メグミ:Megumi
千尋:チヒロ:Chihiro 美穂:ミホ:Miho 由美:ユミ:Yumi 直美:ナオミ:Naomi 智子:トモコ:Tomoko
久美子:クミコ:Kumiko 明美:アケミ:Akemi 結衣:ユイ:Yui 陽菜:ヒナ:Hina 葵:アオイ:Aoi 凛:リン:Rin
結菜:ユナ:Yuna 美咲:ミサキ:Misaki 七海:ナナミ:Nanami 杏:アン:An 花子:ハナコ:Hanako
春香:ハルカ:Haruka 綾香:アヤカ:Ayaka 菜々子:ナナコ:Nanako 真理子:マリコ:Mariko
紀子:ノリコ:Noriko 早苗:サナエ:Sanae 理恵:リエ:Rie 絵美:エミ:Emi 琴音:コトネ:Kotone
"""


def _ja_names(faker_pairs, more: str) -> list[tuple[str, str, str]]:
    """Faker's (kanji, katakana, romaji) names plus ``more``, first spelling of each kanji kept."""
    out = {}
    for kanji, kana, latin in list(faker_pairs) + [tuple(w.split(":")) for w in more.split()]:
        out.setdefault(kanji, (kanji, kana, latin))
    return list(out.values())


# Cities: (name, region, postcode prefix pattern, landline area code, local digits, weight).
_CITIES = {
    "en": [
        ("London", "Greater London", ["E", "N", "SE", "SW", "W", "NW"], "20", 8, 0.30),
        ("Manchester", "Greater Manchester", ["M"], "161", 7, 0.08),
        ("Birmingham", "West Midlands", ["B"], "121", 7, 0.08),
        ("Leeds", "West Yorkshire", ["LS"], "113", 7, 0.06),
        ("Glasgow", "Glasgow City", ["G"], "141", 7, 0.06),
        ("Bristol", "Bristol", ["BS"], "117", 7, 0.05),
        ("Liverpool", "Merseyside", ["L"], "151", 7, 0.05),
        ("Edinburgh", "City of Edinburgh", ["EH"], "131", 7, 0.05),
        ("Cardiff", "Cardiff", ["CF"], "29", 8, 0.04),
        ("Sheffield", "South Yorkshire", ["S"], "114", 7, 0.04),
        ("Nottingham", "Nottinghamshire", ["NG"], "115", 7, 0.04),
        ("Leicester", "Leicestershire", ["LE"], "116", 7, 0.03),
        ("Newcastle upon Tyne", "Tyne and Wear", ["NE"], "191", 7, 0.04),
        ("Brighton", "East Sussex", ["BN"], "1273", 6, 0.03),
        ("Oxford", "Oxfordshire", ["OX"], "1865", 6, 0.025),
        ("Cambridge", "Cambridgeshire", ["CB"], "1223", 6, 0.025),
    ],
    "fa": [
        ("تهران", "استان تهران", ["1"], "21", 8, 0.45),
        ("اصفهان", "استان اصفهان", ["8"], "31", 8, 0.10),
        ("شیراز", "استان فارس", ["7"], "71", 8, 0.09),
        ("مشهد", "استان خراسان رضوی", ["9"], "51", 8, 0.10),
        ("تبریز", "استان آذربایجان شرقی", ["5"], "41", 8, 0.07),
        ("کرج", "استان البرز", ["3"], "26", 8, 0.07),
        ("قم", "استان قم", ["3"], "25", 8, 0.04),
        ("کرمان", "استان کرمان", ["7"], "34", 8, 0.03),
        ("رشت", "استان گیلان", ["4"], "13", 8, 0.03),
        ("اهواز", "استان خوزستان", ["6"], "61", 8, 0.02),
    ],
    "ja": [
        ("新宿区", "東京都", ["16"], "3", 8, 0.12), ("世田谷区", "東京都", ["15"], "3", 8, 0.10),
        ("港区", "東京都", ["10"], "3", 8, 0.08), ("大阪市北区", "大阪府", ["53"], "6", 8, 0.12),
        ("横浜市中区", "神奈川県", ["23"], "45", 7, 0.10), ("名古屋市中区", "愛知県", ["46"], "52", 7, 0.09),
        ("札幌市中央区", "北海道", ["06"], "11", 7, 0.08), ("福岡市博多区", "福岡県", ["81"], "92", 7, 0.08),
        ("京都市中京区", "京都府", ["60"], "75", 7, 0.07), ("神戸市中央区", "兵庫県", ["65"], "78", 7, 0.06),
        ("仙台市青葉区", "宮城県", ["98"], "22", 7, 0.05), ("広島市中区", "広島県", ["73"], "82", 7, 0.05),
    ],
}

#: First digit of local landline numbers that numbering plans allocate, per area code
#: (checked against phonenumbers' metadata); other areas take 2-9.
LANDLINE_LEADS = {"20": "78", "121": "234567", "113": "2345", "117": "234", "131": "2345678",
                  "29": "2", "114": "2345", "115": "2679", "116": "234", "11": "235678"}

# Mobile prefixes (national significant number starts).
_MOBILE = {"en": ["77", "78", "74", "75"], "fa": ["912", "919", "935", "936", "901", "910"],
           "ja": ["90", "80", "70"]}

_EMAIL_DOMAINS = {
    "en": ["gmail.com", "outlook.com", "yahoo.co.uk", "hotmail.co.uk", "btinternet.com",
           "icloud.com", "sky.com"],
    "fa": ["gmail.com", "yahoo.com", "chmail.ir", "outlook.com"],
    "ja": ["gmail.com", "yahoo.co.jp", "docomo.ne.jp", "ezweb.ne.jp", "icloud.com"],
}

_GB_STREET_TYPES = ["Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent",
                    "Gardens", "Grove", "Place", "Terrace", "Court", "Hill", "Park", "Mews",
                    "Row", "Walk"]
_FA_STREET_TYPES = ["خیابان", "بلوار", "کوچه"]


@dataclass
class LocalePools:
    """Arrays to sample the people of one locale from.

    Attributes hold numpy object arrays; ``*_latin`` and ``*_kana`` are
    aligned with the native-script arrays (empty strings when not applicable).

    Examples
    --------
    >>> p = build_pools("ja", seed=0)
    >>> p.first_f.shape == p.first_f_kana.shape == p.first_f_latin.shape
    True
    """

    locale: str
    country: str
    phone_cc: str
    language: str
    first_m: np.ndarray
    first_f: np.ndarray
    first_m_latin: np.ndarray
    first_f_latin: np.ndarray
    first_m_kana: np.ndarray
    first_f_kana: np.ndarray
    last: np.ndarray
    last_latin: np.ndarray
    last_kana: np.ndarray
    streets: np.ndarray
    city: np.ndarray
    region: np.ndarray
    city_weight: np.ndarray
    postcode_prefixes: list
    area_code: np.ndarray
    local_digits: np.ndarray
    mobile_prefixes: np.ndarray
    email_domains: np.ndarray
    companies: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))


def _arr(values) -> np.ndarray:
    return np.array(list(values), dtype=object)


def build_pools(locale: str, seed: int) -> LocalePools:
    """Build the sampling pools of one locale (deterministic for a seed).

    Parameters
    ----------
    locale : {'en', 'fa', 'ja'}
        Locale code.
    seed : int
        Seed of the Faker instance used for invented streets and companies.

    Returns
    -------
    LocalePools

    Examples
    --------
    >>> a, b = build_pools("fa", 3), build_pools("fa", 3)
    >>> bool((a.streets == b.streets).all())
    True
    """
    from .._extras import require

    require("demo")  # Faker: one clear line when the [demo] extra is missing
    from faker import Faker

    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}; valid locales: {', '.join(LOCALES)}")
    info = LOCALES[locale]
    rng = np.random.default_rng([seed, 7, ord(locale[0]), ord(locale[1])])
    fk = Faker(list(info["faker"]))
    fk.seed_instance(seed)
    company_fk = Faker("en_GB")
    company_fk.seed_instance(seed + 1)

    if locale == "en":
        from faker.providers.person.en_GB import Provider as GB
        from faker.providers.person.en_US import Provider as US

        first_m = sorted(set(GB.first_names_male) | set(list(US.first_names_male)[:150]))
        first_f = sorted(set(GB.first_names_female) | set(list(US.first_names_female)[:150]))
        last = sorted(set(GB.last_names))
        first_m_latin, first_f_latin, last_latin = first_m, first_f, last
        first_m_kana = first_f_kana = last_kana = None
        # Street: a surname or given name + a British street type.
        bases = rng.choice(_arr(last + first_m[:60]), 1500)
        types = rng.choice(_arr(_GB_STREET_TYPES), 1500)
        streets = np.unique(bases + " " + types)
    elif locale == "fa":
        first_m, first_m_latin = zip(*(_FA_MALE + _FA_MALE_MORE))
        first_f, first_f_latin = zip(*(_FA_FEMALE + _FA_FEMALE_MORE))
        last, last_latin = zip(*_persian_surnames())
        first_m_kana = first_f_kana = last_kana = None
        names = _arr(list(first_m) + list(first_f) + list(last)
                     + [fk.last_name() for _ in range(150)])
        bases = rng.choice(names, 1200)
        types = rng.choice(_arr(_FA_STREET_TYPES[:2]), 1200, p=[0.8, 0.2])
        streets = np.unique(types + " " + bases)
    else:
        from faker.providers.address.ja_JP import Provider as JPA
        from faker.providers.person.ja_JP import Provider as JP

        first_m, first_m_kana, first_m_latin = zip(*_ja_names(JP.first_name_male_pairs,
                                                              _JA_MALE_MORE))
        first_f, first_f_kana, first_f_latin = zip(*_ja_names(JP.first_name_female_pairs,
                                                              _JA_FEMALE_MORE))
        last, last_kana, last_latin = zip(*_ja_names(JP.last_name_pairs, _JA_LAST_MORE))
        # Japanese addresses name a town (町名); the block numbers are added per household.
        towns = list(JPA.towns)
        extra = ["本町", "中央", "栄町", "緑町", "旭町", "桜台", "若葉", "東町", "西町", "南町", "北町",
                 "新町", "元町", "山手町", "港町"]
        streets = np.unique(_arr(towns + extra))

    def _kana(x, like):
        return _arr(x) if x is not None else np.full(len(like), "", dtype=object)

    cities = _CITIES[locale]
    w = np.array([c[5] for c in cities], dtype=float)
    companies = np.unique(_arr(company_fk.company() for _ in range(400)))
    return LocalePools(
        locale=locale, country=info["country"], phone_cc=info["cc"], language=info["language"],
        first_m=_arr(first_m), first_f=_arr(first_f),
        first_m_latin=_arr(first_m_latin), first_f_latin=_arr(first_f_latin),
        first_m_kana=_kana(first_m_kana, first_m), first_f_kana=_kana(first_f_kana, first_f),
        last=_arr(last), last_latin=_arr(last_latin), last_kana=_kana(last_kana, last),
        streets=streets,
        city=_arr(c[0] for c in cities), region=_arr(c[1] for c in cities),
        city_weight=w / w.sum(), postcode_prefixes=[c[2] for c in cities],
        area_code=_arr(c[3] for c in cities), local_digits=np.array([c[4] for c in cities]),
        mobile_prefixes=_arr(_MOBILE[locale]), email_domains=_arr(_EMAIL_DOMAINS[locale]),
        companies=companies,
    )


_FULLWIDTH = str.maketrans({**{str(d): chr(0xFF10 + d) for d in range(10)}, "-": "\uff0d"})
_PERSIAN_DIGITS = str.maketrans({str(d): chr(0x06F0 + d) for d in range(10)})
_ARABIC_LETTERS = str.maketrans({"ی": "ي", "ک": "ك"})


def to_fullwidth(s: str) -> str:
    """Write ASCII digits and hyphens full-width, as Japanese input methods often do.

    Examples
    --------
    >>> to_fullwidth("090-1234")
    '０９０－１２３４'
    """
    return s.translate(_FULLWIDTH)


def to_persian_digits(s: str) -> str:
    """Write ASCII digits as Persian (Extended Arabic-Indic) digits.

    Examples
    --------
    >>> to_persian_digits("0912")
    '۰۹۱۲'
    """
    return s.translate(_PERSIAN_DIGITS)


def to_arabic_letters(s: str) -> str:
    """Replace Persian yeh and keheh by Arabic yeh and kaf (what cp1256 exports contain).

    Examples
    --------
    >>> to_arabic_letters("کریمی") == "كريمي"
    True
    """
    return s.translate(_ARABIC_LETTERS)

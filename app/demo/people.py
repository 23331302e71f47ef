"""Deterministic fake residents: valid ID numbers, plausible names and phones."""
import random
from datetime import date, timedelta

from stdnum.cn import ric

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧阳"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰红梅志强海燕文博子涵雨桐浩然欣怡梓轩思远佳怡俊杰"
DISTRICTS = ("410102", "410103", "410104", "410105", "410122", "410181", "410184")


def id_number(rng: random.Random, today: date) -> str:
    """A valid resident ID number of an adult; region codes are only valid for some birth years."""
    while True:
        birth = today - timedelta(days=rng.randint(19 * 365, 75 * 365))
        body = f"{rng.choice(DISTRICTS)}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
        number = body + ric.calc_check_digit(body + "0")
        if ric.is_valid(number):
            return number


def name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES[:-2]) if rng.random() > 0.03 else "欧阳"
    return surname + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def phone(n: int) -> str:
    return f"139{n:08d}"

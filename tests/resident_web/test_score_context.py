"""The score in context: its maximum, the tier ladder and the next tier, bars that tell loss
from gain, benefits usable-first with their thresholds; and the small page fixes."""
import re

from tests.resident_support import add_benefit, sign_in


def test_home_shows_the_maximum_and_the_points_to_the_next_tier(client, make_resident):
    resident = make_resident(records=[("blood_donation", 10)])  # 105: 信用良好
    sign_in(client, resident)
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="max">满分 200<' in page
    next_tier = re.search(r'data-testid="next-tier">\s*([^<]+?)\s*<', page).group(1)
    assert next_tier == "再得 15 分即可升至信用优秀（120 分起）。"
    ladder = re.search(r'<ol class="ladder".*?</ol>', page, re.DOTALL).group(0)
    assert re.findall(r'ladder-min">(\d+)\+', ladder) == ["0", "70", "95", "120", "150"]
    here = re.search(r'<li class="tier-(\w+) here" aria-current="step">', ladder).group(1)
    assert here == "good" and ladder.count("aria-current") == 1


def test_a_dimension_that_lost_points_is_drawn_left_of_zero(client, make_resident):
    resident = make_resident(records=[("court_dishonest_debtor", 10), ("blood_donation", 10)])
    sign_in(client, resident)
    page = client.get("/").get_data(as_text=True)
    bars = re.findall(r'<rect x="([\d.]+)" width="([\d.]+)" height="10" class="bar-fill (\w+)"/>'
                      r'\s*(?:<line x1="([\d.]+)")?', page)
    law = next(b for b in bars if b[2] == "neg")
    social = next(b for b in bars if b[2] == "pos")
    x, width, zero = float(law[0]), float(law[1]), float(law[3])
    assert abs(x + width - zero) < 0.2 and width > 0  # it ends at the zero line
    assert float(social[0]) == 0.0  # a dimension with no floor starts at its left end


def test_benefits_list_usable_ones_first_with_their_thresholds(client, make_resident):
    resident = make_resident(records=[("blood_donation", 3)])  # 105
    add_benefit(code="t_hotel", scene="信易游", name="酒店免押", min_tier="very_good")
    add_benefit(code="t_loan", scene="信易游", name="快速贷款", min_tier=None, min_score=130)
    add_benefit(code="t_bike", scene="信易游", name="单车免押", min_tier="good")
    sign_in(client, resident)
    page = client.get("/benefits").get_data(as_text=True)
    assert re.findall(r'data-benefit="(t_\w+)"', page) == ["t_bike", "t_hotel", "t_loan"]
    item = {code: page.split(f'data-benefit="{code}"')[1].split("</li>")[0]
            for code in ("t_bike", "t_hotel", "t_loan")}
    assert "95 分起（信用良好）" in item["t_bike"] and "120 分起（信用优秀）" in item["t_hotel"]
    assert "130 分起。" in item["t_loan"]
    # the way to the credit code is near the top, not only under the list
    assert page.index("/credit-code") < page.index('data-benefit="t_bike"')


def test_the_small_fixes(client, make_resident):
    assert client.get("/favicon.ico").status_code == 200
    for url in ("/", "/login", "/password/forgot"):
        title = re.search(r"<title>(.*?)</title>", client.get(url).get_data(as_text=True)).group(1)
        assert title.count("信易+") == 1
    sign_in(client, make_resident())
    account = client.get("/account").get_data(as_text=True)
    # closing the account is one step away, not open under 退出登录
    assert re.search(r"<details class=\"close-account\">\s*<summary>我要注销账户</summary>", account)

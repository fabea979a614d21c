"""Main text on the page structures of real sites: blogs, comments, columns, link lists.

Each page here is built by the test in the shape those sites use; the assertions name the
text that must come out and the chrome that must not.
"""

# ruff: noqa: E501  (long Chinese data lines)
from __future__ import annotations

from crawler.text.extract import extract

POST = [
    "2023年，县卫生健康局坚持以人民健康为中心，全面推进健康县城建设，各项工作取得明显成效。",
    "全县共有医疗卫生机构312个，其中公立医院5个，乡镇卫生院18个，村卫生室246个，全年诊疗人次达到158.6万。",
    "公共卫生服务能力持续提升，全年完成65岁以上老年人健康管理4.2万人，规范管理率达到72.6%，较上年提高3.1个百分点。",
    "医疗服务水平稳步提高，县人民医院新增床位120张，门急诊量达到58.3万人次，同比增长6.4%，患者满意度持续提升。",
]
OTHER = [
    "周末带孩子去郊外看油菜花，一路上车很多，走了两个多小时才到，但是景色确实很美，孩子玩得很开心。",
    "晚上回来做了一桌菜，红烧肉、清蒸鱼和炒青菜，一家人围坐在一起吃饭聊天，这样的日子平淡又温暖。",
]
COMMENTS = [
    "写得很详细，数据也很全面，学习了，希望明年继续推进基层医疗卫生服务能力建设，让群众少跑腿。",
    "我们乡镇卫生院今年也新增了设备，看病方便多了，以前要跑到县城去，现在家门口就能做检查了。",
    "请问老年人健康管理的体检项目有哪些？每年什么时候可以去社区卫生服务中心预约？谢谢解答。",
    "支持！家庭医生签约服务确实不错，医生每个月都会打电话询问老人的身体情况，非常贴心周到。",
    "县医院的新门诊楼什么时候投入使用？现在挂号排队的人太多了，希望早日改善就医环境和条件。",
    "感谢分享，文章条理清楚，对我们写年度总结很有参考价值，收藏了，以后还会经常来看看学习。",
]


def _html(title: str, body: str) -> str:
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>{body}</body></html>'
    )


def _paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def test_a_blog_page_of_whole_dated_posts_gives_the_first_post():
    """A blog's front page shows several posts, each under its own title and date."""
    posts = [
        ("县卫健局2023年工作总结读后", "2024-01-05 10:21", POST),
        ("春天的郊游", "2023-12-28 08:15", OTHER),
    ]
    body = "".join(
        f'<table><tr><td class="post-title">{t}</td><td class="post-title">{d}</td></tr>'
        f'<tr><td class="post-body">{_paragraphs(p)}</td></tr></table>'
        for t, d, p in posts
    )
    text = extract(_html("小林的博客", f'<div class="blog">{body}</div>')).text
    assert all(p in text for p in POST)
    assert not any(p in text for p in OTHER)


def test_posts_without_titles_of_their_own_stay_one_discussion():
    """Replies in a thread have no titles of their own: they are all text."""
    posts = "".join(
        f'<div class="post"><div class="author">用户{i}</div><div class="post-body">{c}</div></div>'
        for i, c in enumerate(COMMENTS)
    )
    text = extract(_html("讨论", f'<div class="thread">{posts}</div>')).text
    assert all(c in text for c in COMMENTS)


def test_a_post_keeps_its_text_and_leaves_its_readers_comments_out():
    comments = "".join(
        f'<div class="comment-item"><span class="user">读者{i}</span><p>{c}</p></div>'
        for i, c in enumerate(COMMENTS * 2)
    )
    body = (
        f'<div class="main"><div class="post"><h2>县卫健局2023年工作总结</h2>{_paragraphs(POST)}</div>'
        f'<div class="comments"><h3>评论</h3>{comments}</div></div>'
    )
    text = extract(_html("县卫健局2023年工作总结", body)).text
    assert all(p in text for p in POST)
    assert not any(c in text for c in COMMENTS)


def test_a_short_question_keeps_its_answers():
    comments = "".join(
        f'<div class="comment-item"><span class="user">网友{i}</span><p>{c}</p></div>'
        for i, c in enumerate(COMMENTS)
    )
    body = (
        '<div class="question"><h1>老年人体检怎么预约？</h1><p>家里老人65岁了，想问问怎么预约。</p></div>'
        f'<div class="comments">{comments}</div>'
    )
    text = extract(_html("老年人体检怎么预约？", body)).text
    assert "家里老人65岁了" in text
    assert all(c in text for c in COMMENTS)


def test_a_block_of_text_with_a_headline_link_in_it_is_no_teaser():
    """Portal layout: two columns built alike, one of teasers and one whose related-links
    box sits above the article. The article's column holds text: it is not a teaser."""
    from crawler.text.html_parse import parse
    from crawler.text.repeats import teaser_items

    related = '<p><a href="/x.html">相关链接：县卫健局召开年度工作会议部署重点任务</a></p>'
    doc = parse(
        '<table><tr><td><a href="/n/1.html">这是一条很长的其他新闻标题关于卫生健康工作</a></td>'
        f"<td>{related}{_paragraphs(POST + OTHER + COMMENTS)}</td></tr></table>"
    )
    columns = list(doc.iter("td"))
    assert teaser_items(columns) == []
    assert teaser_items([columns[0], columns[0]]) != []  # a headline alone is a teaser


def test_the_heading_of_a_dropped_link_list_goes_with_it():
    box = "".join(
        f'<p><a href="/n/{i}.html">证券要闻第{i}条 沪指震荡</a> <a href="/m/{i}.html">行业动态第{i}条</a></p>'
        for i in range(6)
    )
    body = f'<div class="article">{_paragraphs(POST)}<div class="box"><h1>重点推荐</h1><span><a href="/more">更多</a></span></div><div>{box}</div></div>'
    text = extract(_html("县卫健局2023年工作总结", body)).text
    assert all(p in text for p in POST)
    assert "重点推荐" not in text


def test_a_one_row_table_is_a_line_of_layout_not_a_data_row():
    byline = '<table><tr><td>2005-04-27 14:32更新 来源：千龙新闻网</td><td><a href="#c">发表评论</a></td></tr></table>'
    text = extract(
        _html("县卫健局2023年工作总结", f'<div class="article">{byline}{_paragraphs(POST)}</div>')
    ).text
    assert "\t" not in text


def test_a_footer_is_furniture_even_on_a_page_of_plain_divs():
    """A footer shares its structural key with the main column (div under body): it goes
    all the same, because only blocks that are themselves named as furniture count
    together (a page of comments is a discussion, a footer beside an article is not)."""
    lines = "".join(
        f"<div>{line}</div>"
        for line in (
            "窗外的玉兰开了",
            "一夜之间满树都是白色",
            "楼下的老人照例在晨练",
            "孩子们背着书包跑过",
            "我泡了一壶茶 坐在阳台上",
            "想起去年此时还在外地出差",
            "那时也是这样的天气",
            "路边的樱花开得正好",
            "同事说等忙完这阵子",
            "一起去山里走一走",
            "后来却一直没有成行",
            "今年一定要去看看",
            "傍晚的风还有些凉",
            "我把窗户关上了一半",
        )
    )
    body = (
        '<div id="top"><a href="/">首页</a> <a href="/u">我的博客</a></div>'
        '<div class="col"><div class="info"><p>小林</p><p>访问：12,345</p></div>'
        '<div class="catalog"><h3>博文分类</h3><ul><li><a href="/c1">随笔(12)</a></li><li><a href="/c2">旅行(8)</a></li></ul></div></div>'
        f'<div id="main"><h2>春日随笔</h2><div class="content">{lines}</div>'
        '<div class="related"><h3>相关博文</h3><ul><li><a href="/r1">去年春天的旅行</a></li><li><a href="/r2">玉兰花开的时候</a></li></ul></div></div>'
        '<div id="foot">新浪公司 版权所有 Copyright © 1996-2024 SINA Corporation, All Rights Reserved 京ICP证000007</div>'
    )
    text = extract(_html("春日随笔", body)).text
    assert "一夜之间满树都是白色" in text
    assert "版权所有" not in text

"""The link recognisers on pages written here in the shapes bureau portals publish: TRS
script pagination, Hanweb data proxies and datastores, XHR JSON lists, onclick
attachments, frames, base href, meta refresh, sitemaps; and malformed input."""

from __future__ import annotations

import json

import pytest

from spiders.discovery import Page, canonical_url, discover

SITE = "http://wjw.example.gov.cn"


def found(page: Page, how: str | None = None) -> list[str]:
    result = discover(page)
    assert result.errors == []
    return [f.url for f in result.found if how is None or f.how == how]


def html(body: str, url: str = f"{SITE}/col/gzzj/index.html") -> Page:
    return Page(url, f"<html><head><title>t</title></head><body>{body}</body></html>", "text/html")


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ('createPageHTML(3, 0, "index", "html");', ["index.html", "index_1.html", "index_2.html"]),
        ("createPageHTML('page_div', 3, 1, 'list_zw_wj', 'shtml', 278);",
         ["list_zw_wj.shtml", "list_zw_wj_1.shtml", "list_zw_wj_2.shtml"]),
        ('var countPage = 2;//共多少页\nvar currentPage = 0;\n'
         'createPageHTML(countPage, currentPage, "index", "htm");', ["index.htm", "index_1.htm"]),
    ],
    ids=["plain", "element-first", "variables"],
)  # fmt: skip
def test_trs_pagination(script: str, expected: list[str]) -> None:
    page = html(f'<ul class="list"></ul><div class="page"><script>{script}</script></div>')
    assert found(page, "trs-pages") == [f"{SITE}/col/gzzj/{name}" for name in expected]


def test_trs_pagination_is_capped() -> None:
    page = html('<script>createPageHTML(50000, 0, "index", "html");</script>')
    assert len(found(page, "trs-pages")) == 1000
    capped = Page(page.url, page.text, page.content_type, max_list_pages=40)
    assert len(found(capped, "trs-pages")) == 40


HANWEB_COLUMN = """
<div id="4021"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&path=/&columnid=4021&unitid=16630&webname=%E6%9F%90&permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2024/1/15/art_4021_100231.html" title="2023年工作总结">2023年工作总结</a><span>2024-01-15</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2023/7/10/art_4021_99812.html">2023年上半年工作总结</a></li>]]></record>
</recordset></datastore></script></div>
<script language="javascript" src="/module/jslib/jquery/jpage/jquery.page.min.js"></script>
<script>
$(document).ready(function () {
  $("#4021").jpage({ dataStore: "#4021", proxyUrl: "/module/web/jpage/dataproxy.jsp",
    perPage: 15, totalRecord: 100, groupSize: 3,
    ajaxParam: { col: 1, appid: 1, webid: 3, path: "/", columnid: 4021, sourceContentType: 1,
                 unitid: "16630", webname: "某市卫生健康委员会", permissiontype: 0 } });
});
</script>"""  # noqa: E501


def test_hanweb_column_page() -> None:
    result = discover(html(HANWEB_COLUMN, f"{SITE}/col/col4021/index.html"))
    assert result.errors == []
    records = [f.url for f in result.found if f.how == "hanweb-records"]
    assert records == [f"{SITE}/art/2024/1/15/art_4021_100231.html",
                       f"{SITE}/art/2023/7/10/art_4021_99812.html"]  # fmt: skip
    proxies = [f for f in result.found if f.how == "hanweb-proxy"]
    assert [p.url for p in proxies] == [
        f"{SITE}/module/web/jpage/dataproxy.jsp?startrecord={s}&endrecord={s + 44}&perpage=15"
        for s in (1, 46, 91)
    ]
    form = dict(proxies[0].form)
    assert form["columnid"] == "4021" and form["unitid"] == "16630" and form["col"] == "1"
    assert proxies[0].method == "POST" and proxies[0].list


def proxy_answer(start: int, end: int, n: int, total: int | None = None) -> Page:
    records = "".join(
        f'<record><![CDATA[<li><a href="/art/2022/3/{i % 28 + 1}/art_4021_{i}.html">报告{i}</a>'
        "</li>]]></record>"
        for i in range(start, start + n)
    )
    head = f"<totalrecord>{total}</totalrecord>" if total is not None else ""
    return Page(
        f"{SITE}/module/web/jpage/dataproxy.jsp?startrecord={start}&endrecord={end}&perpage=15",
        f'<?xml version="1.0" encoding="UTF-8"?><datastore>{head}<recordset>{records}'
        "</recordset></datastore>",
        "text/xml;charset=UTF-8",
        form=(("columnid", "4021"), ("unitid", "16630")),
    )


def test_hanweb_proxy_answers_page_on_until_the_records_end() -> None:
    full = discover(proxy_answer(1, 45, 45))
    assert len([f for f in full.found if f.how == "hanweb-records"]) == 45
    [after] = [f for f in full.found if f.how == "hanweb-proxy"]
    assert after.url.endswith("startrecord=46&endrecord=90&perpage=15")
    assert after.form == (("columnid", "4021"), ("unitid", "16630"))
    short = discover(proxy_answer(46, 90, 12))  # the last records
    assert [f for f in short.found if f.how == "hanweb-proxy"] == []
    counted = discover(proxy_answer(1, 45, 45, total=45))  # a total that says: no more
    assert [f for f in counted.found if f.how == "hanweb-proxy"] == []


def test_xhr_list_page_and_its_json_answers() -> None:
    page = html(
        '<ul id="list">数据加载中……</ul><script src="/js/jquery.min.js"></script><script>'
        "$.get('/api/cms/content/list?channelId=1024&page=1&size=15', function (r) {"
        " render(r.data.list); });</script>"
    )
    assert found(page, "script-api") == [
        f"{SITE}/api/cms/content/list?channelId=1024&page=1&size=15"
    ]
    answer = {
        "code": 0,
        "data": {
            "list": [
                {"title": "2024年工作要点", "url": "/gzyd/202402/t20240220_5001.html",
                 "publishDate": "2024-02-20"},
                {"title": "2023年工作总结", "linkUrl": "https://wjw.example.gov.cn/gzzj/5002.html"},
            ],
            "totalPage": 3,
        },
    }  # fmt: skip
    api = Page(f"{SITE}/api/cms/content/list?channelId=1024&page=1&size=15",
               json.dumps(answer, ensure_ascii=False), "application/json")  # fmt: skip
    result = discover(api)
    links = [(f.url, f.text) for f in result.found if not f.list]
    assert links == [(f"{SITE}/gzyd/202402/t20240220_5001.html", "2024年工作要点"),
                     ("https://wjw.example.gov.cn/gzzj/5002.html", "2023年工作总结")]  # fmt: skip
    pages = [f.url for f in result.found if f.list]
    assert pages == [f"{SITE}/api/cms/content/list?channelId=1024&page={n}&size=15" for n in (2, 3)]
    later = Page(api.url.replace("page=1", "page=2"), json.dumps(answer), "application/json")
    assert [f for f in discover(later).found if f.list] == []  # pages come from the first


def test_onclick_javascript_frames_base_and_refresh() -> None:
    page = html(
        '<base href="http://www.example.gov.cn/zwgk/">'
        '<a href="javascript:void(0)"'
        " onclick=\"downloadFile('/files/2023年工作总结.docx')\">下载</a>"
        "<a href=\"javascript:window.open('../attach/report.pdf')\">附件</a>"
        "<span onclick=\"location.href='detail_88.html'\">详情</span>"
        '<iframe src="list_frame.html"></iframe>'
        '<a href="a/1.html">相对</a><a href="mailto:x@y">mail</a><a href="#top">top</a>'
        '<meta http-equiv="refresh" content="0; url=/index_new.html">'
    )
    result = discover(page)
    by = {f.url: f.how for f in result.found}
    base = "http://www.example.gov.cn"
    assert by == {
        f"{base}/zwgk/a/1.html": "a",
        f"{base}/zwgk/list_frame.html": "frame",
        f"{base}/files/2023年工作总结.docx": "onclick",
        f"{base}/attach/report.pdf": "onclick",
        f"{base}/zwgk/detail_88.html": "onclick",
        f"{base}/index_new.html": "meta-refresh",
    }


def test_sitemaps_from_robots_and_indexes() -> None:
    robots = Page(f"{SITE}/robots.txt", "User-agent: *\nDisallow: /admin/\n"
                  f"Sitemap: {SITE}/sitemap_index.xml\n", "text/plain")  # fmt: skip
    assert found(robots, "sitemap") == [f"{SITE}/sitemap_index.xml"]
    index = Page(f"{SITE}/sitemap_index.xml", '<?xml version="1.0"?><sitemapindex '
                 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>'
                 f"{SITE}/sitemap_gzzj.xml</loc></sitemap></sitemapindex>", "text/xml")  # fmt: skip
    [nested] = discover(index).found
    assert nested.url == f"{SITE}/sitemap_gzzj.xml" and nested.list
    urlset = Page(f"{SITE}/sitemap_gzzj.xml", '<?xml version="1.0"?><urlset '
                  'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>'
                  f"{SITE}/gzzj/1.html</loc><lastmod>2024-01-15</lastmod></url></urlset>",
                  "application/xml")  # fmt: skip
    [entry] = discover(urlset).found
    assert (entry.url, entry.lastmod, entry.list) == (f"{SITE}/gzzj/1.html", "2024-01-15", False)


def test_tracking_parameters_fragments_and_files_that_are_not_documents() -> None:
    page = html(
        '<a href="/gzzj/1.html?utm_source=wx&spm=a.b.c&id=7#p2">1</a>'
        '<a href="/gzzj/1.html?id=7">again</a><a href="/img/logo.png">logo</a>'
        '<a href="/css/site.css">css</a><a href="ftp://example.gov.cn/x">ftp</a>'
    )
    assert found(page) == [f"{SITE}/gzzj/1.html?id=7"]
    assert (
        canonical_url("http://a.cn/x.html?from=timeline&isappinstalled=0") == "http://a.cn/x.html"
    )


@pytest.mark.parametrize(
    ("page", "how"),
    [
        (Page(f"{SITE}/api/list?page=1", '{"data": {"list": [', "application/json"), "json"),
        (html('<script>createPageHTML(countPage, 0, "index");</script>'), "trs-pages"),
        (html("<script>var x = {proxyUrl: '/module/web/jpage/dataproxy.jsp'};</script>"),
         "hanweb-proxy"),
        (html("<script>$('#1').jpage({proxyUrl:'/module/web/jpage/dataproxy.jsp', columnid:1,"
              " perPage: 'many'})</script>"), "hanweb-proxy"),
        (Page(f"{SITE}/deep", "[" * 100 + "]" * 100, "application/json"), "json"),
    ],
    ids=["json-cut", "trs-no-name", "hanweb-no-column", "hanweb-bad-number", "json-deep"],
)  # fmt: skip
def test_malformed_input_is_an_error_never_a_crash(page: Page, how: str) -> None:
    result = discover(page)
    assert [e.how for e in result.errors] == [how]
    assert str(result.errors[0])


def test_other_links_survive_a_recogniser_that_fails() -> None:
    page = html('<a href="/gzzj/2.html">2</a><script>createPageHTML(x, 0);</script>')
    result = discover(page)
    assert [f.url for f in result.found] == [f"{SITE}/gzzj/2.html"]
    assert [e.how for e in result.errors] == ["trs-pages"]


def test_one_site_many_names() -> None:
    from spiders.discovery.sites import SiteNames

    sites = SiteNames(["http://127.0.0.1:8080/index.html", "https://wjw.example.gov.cn/"])
    assert sites.canonical("http://localhost:8080/a.html") == "http://127.0.0.1:8080/a.html"
    assert sites.canonical("http://[::1]:8080/b.html") == "http://127.0.0.1:8080/b.html"
    assert sites.canonical("http://127.0.0.1:8081/a.html") is None  # another port
    assert (
        sites.canonical("http://www.wjw.example.gov.cn/c.html")
        == "https://wjw.example.gov.cn/c.html"
    )
    assert sites.canonical("https://WJW.example.gov.cn:443/d") == "https://wjw.example.gov.cn/d"
    assert sites.canonical("https://other.gov.cn/") is None
    sites.answered_as("https://www.wjw.example.gov.cn/")  # the site redirects to www.
    assert sites.canonical("http://wjw.example.gov.cn/e") == "https://www.wjw.example.gov.cn/e"


def test_xhr_api_built_by_concatenation_and_posted_with_a_form() -> None:
    page = html(
        "<div id='list'>加载中</div><script>var channelId = '2048'; var pageSize = 10;"
        "function load(pageNo) { $.ajax({ url: '/site/api/queryList?channelId=' + channelId"
        " + '&pageNo=' + pageNo + '&pageSize=' + pageSize, type: 'GET' }); }"
        '$.ajax({url: "/gov/info/getListPage", type: "post", dataType: \'json\','
        " data: {catalogId: channelId, pageIndex: 1, rows: 20}, success: show});</script>"
    )
    result = discover(page)
    apis = [(f.url, f.form) for f in result.found if f.how == "script-api"]
    assert apis == [
        (f"{SITE}/site/api/queryList?channelId=2048&pageNo=1&pageSize=10", ()),
        (
            f"{SITE}/gov/info/getListPage",
            (("catalogId", "2048"), ("pageIndex", "1"), ("rows", "20")),
        ),
    ]


def test_json_pages_from_a_record_count_and_a_posted_form() -> None:
    answer = {"rows": [{"docTitle": "2023年工作总结", "docPubUrl": "/zfxxgk/2023/123.html",
                        "coverImgUrl": "/img/1.png"}], "total": 45}  # fmt: skip
    posted = Page(f"{SITE}/gov/info/getListPage", json.dumps(answer), "application/json",
                  form=(("catalogId", "2048"), ("pageIndex", "1"), ("rows", "20")))  # fmt: skip
    result = discover(posted)
    assert [(f.url, f.text) for f in result.found if not f.list] == [
        (f"{SITE}/zfxxgk/2023/123.html", "2023年工作总结")
    ]
    assert [f.form for f in result.found if f.list] == [
        (("catalogId", "2048"), ("pageIndex", str(n)), ("rows", "20")) for n in (2, 3)
    ]

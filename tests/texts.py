"""Short chapters written for the tests, shared by the test files that read them."""

FERRY = """第3章 夜渡
江面上起了雾，老周把船拴在柳树下，点起一盏马灯。
“这么大的雾，今晚还过江吗？”老周问道。
阿秀抱着包袱说：“必须过。我娘还在对岸等我。”
“周大哥，你别劝她了。”赵先生把一块银元放在船头，“钱我加倍付。”
老周叹了口气：“行，坐稳了。”
......
船到对岸时，天边已经发白。
"""
"""A ferry at night: a tag after, a colon before, a quote split by a tag, a vocative
(周大哥) and a scene break; three characters, 老周 speaking twice."""

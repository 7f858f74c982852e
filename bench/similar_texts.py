"""Chinese 教学反思 to tune copy detection with (bench/similarity.py and its unit test).

``SAME_LESSON``: reflections on one lesson (《秋天的雨》) written by different teachers in
their own words: they share the lesson's vocabulary (秋雨, 朗读, 比喻, 小练笔, 学生 …) and the
genre's phrases, and are *merely similar*. ``OTHER_LESSONS``: reflections on other lessons.
``copies`` makes what a teacher does who copies a colleague's 反思 to reach a count: the
same text with its punctuation changed, words swapped, sentences reordered, a sentence of
her own added, or a part of it kept and the rest written anew.
"""

from __future__ import annotations

import random
import re

SAME_LESSON = (
    "本节课我以“秋天的雨是一把钥匙”为切入点，引导学生找出课文中的比喻句，体会作者把秋雨"
    "比作钥匙、颜料和小喇叭的妙处。学生朗读时能读出喜爱之情，但在说一说自己眼中的秋天时，"
    "多数学生只会照搬课文的句子。下次我要提前布置观察任务，让学生带着真实的发现走进课堂。",
    "这节课的亮点是朗读。我先范读第二自然段，再让学生闭上眼睛想象画面，最后分组比赛读，"
    "孩子们把黄色的银杏叶、红红的枫叶读得有声有色。不足的是生字教学拖得太长，小练笔只留了"
    "五分钟，很多孩子没写完。以后识字要放在第一课时解决。",
    "上完《秋天的雨》，我最大的感受是学生对颜色词特别敏感。我让他们用彩笔画出秋雨带来的"
    "颜色，再用一句话介绍自己的画，课堂气氛很活跃。可是画画占用了较多时间，课文第三、四"
    "自然段讲得比较匆忙，香甜的气味这一部分几乎没有展开，需要在下节课补上。",
    "教学中我重点抓住“五彩缤纷”这个词，让学生从课文中圈出描写颜色的句子，并说说哪一句"
    "最美。学生找得很准确，可是说理由时语言比较单薄。我反思自己的提问过于笼统，如果换成"
    "“你仿佛看到了什么”，学生也许更容易打开思路。另外板书设计不够清楚，要重新梳理。",
    "这是一篇抒情散文，语言很美。我设计了配乐朗读和仿写两个活动。配乐朗读效果不错，"
    "但仿写时学生的句子大多是“秋天的雨把红色给了苹果”这样的简单替换，缺少自己的观察。"
    "我想课前可以带学生到校园里找一找秋天，积累一些真实的素材，仿写才会有内容。",
    "课堂上我发现班里几个平时不爱发言的孩子在小组合作时很投入，他们一起讨论秋雨像什么，"
    "说出了“秋雨像一位画家”这样有新意的句子。这提醒我要多给学生合作交流的机会。不足的是"
    "我对小组汇报的评价太随意，没有给出具体的改进建议，下次要准备评价的标准。",
)

OTHER_LESSONS = (
    "《草船借箭》一课人物较多，我让学生以“诸葛亮神机妙算”为主线梳理情节，学生能说出"
    "知天文、识人心、懂地理三个方面。课堂上分角色朗读时，学生对鲁肃和曹操的语气把握不准，"
    "下次可以先播放一段评书，让学生感受人物的性格。",
    "教学“两位数乘两位数”时，我用点子图帮助学生理解算理，多数学生能说清先算什么再算什么。"
    "但在竖式计算中，第二部分积的末位对齐错误较多。下一课要安排针对性的对比练习，"
    "让学生自己发现错误的原因。",
    "这节英语课以 colours 为主题，我用猜颜色的游戏导入，学生兴趣很高。句型 What colour is it? "
    "操练充分，但拓展环节时间不够，学生的口语输出不多。今后要压缩游戏时间，把更多时间留给"
    "学生两人对话。",
    "科学课《水的三态变化》，学生分组做了冰融化和水沸腾的实验，观察记录比较认真。问题是"
    "部分小组只顾动手，忘了记录温度，汇报时数据不全。我应该在实验前讲清楚记录单的要求，"
    "并请组长分工。",
)

_PUNCTUATION = str.maketrans({"，": ",", "。": ". ", "、": ",", "“": "\"", "”": "\""})
SYNONYMS = (("学生", "孩子"), ("课堂", "课上"), ("不足", "问题"), ("下次", "以后"),
            ("体会", "感受"), ("引导", "带领"), ("比较", "有些"), ("设计", "安排"),
            ("需要", "要"), ("发现", "看到"), ("很多", "不少"), ("朗读", "读"))
OWN_SENTENCE = "总的来说，这节课基本完成了教学目标，我会在今后的教学中继续努力。"


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` (each with its end mark)."""
    return [s for s in re.findall(r"[^。！？]+[。！？]?", text) if s.strip()]


def copies(text: str, rng: random.Random) -> dict[str, str]:
    """Ways one copies ``text``, by name."""
    parts = sentences(text)
    swapped = text
    for old, new in SYNONYMS:
        swapped = swapped.replace(old, new)
    shuffled = parts[:]
    rng.shuffle(shuffled)
    half = max(1, len(parts) * 2 // 3)
    return {
        "标点改写": text.translate(_PUNCTUATION),
        "换词": swapped,
        "调换句序": "".join(shuffled),
        "加一句": "".join(parts[:1]) + OWN_SENTENCE + "".join(parts[1:]),
        "换词又加句": swapped + OWN_SENTENCE,
        "保留三分之二": "".join(parts[:half]) + OWN_SENTENCE,
    }

"""Every sentence the district part of the bot says (issue 17)."""

from __future__ import annotations

DISTRICT_PROGRESS_HEADER = "<b>学区研修进度</b>（{today}，{count} 所学校）"
DISTRICT_SCHOOL_LINE = ("{school}：{people} 人，平均完成 {share}%（应有 {pace}%），"
                        "有落后项目的 {behind} 人")
DISTRICT_SCHOOL_EMPTY = "{school}：还没有导入花名册"
DISTRICT_PROGRESS_FOOTER = "看一所学校的详情：/progress 学校名，例如 /progress {example}"
DISTRICT_CHART_TITLE = "学区各校研修进度"
DISTRICT_CHART_XLABEL = "平均完成百分比（竖线为应有进度）"
DISTRICT_DIGEST_HEADER = "<b>学区每周研修简报</b>（{today}）"
DISTRICT_MONTH_HEADER = "<b>{month} 学区研修月报</b>（{count} 所学校）"
DISTRICT_NOW_IN = "以下是「{school}」的情况。回到本校：/progress {home}"
DISTRICT_VISIT_GONE = "「{school}」已不在本学区的学校名单里，现在回到本校「{home}」。"
REQUEST_WHICH_SCHOOL = ("请写上学校和姓名，例如：/request {example} 王芳\n"
                        "本学区的学校：{schools}")
NO_SUCH_SCHOOL = "没有「{name}」这所学校。本学区的学校：{schools}"
OTHER_SCHOOL_REFUSED = "这是其他学校的内容，您不能查看或操作。"
SUMMARY_LEDGER_TITLE = "学区研修汇总"
SUMMARY_LEDGER_HEADER = ("学校", "教研组数", "教师人数", "有落后项目的人数", "平均完成%",
                         "应有进度%")
SUMMARY_LEDGER_META = ("{count} 所学校；平均完成与应有进度为各校全部指标的平均；"
                       "生成日期：{today:%Y年%m月%d日}")
SUMMARY_TOTAL = "合计"
# Sessions across schools (联片教研, 学区培训).
JOINT_LINE = "🤝 联片教研，参加的有：{groups}"
JOINT_ROLL = "{day} 联片教研 点名"
JOINT_ROLL_GROUP = "【{group}】"
JOINT_USAGE = ("把本校一个教研组的下一次活动设为联片教研，写上参加的学校和教研组，例如：\n"
               "/joint 语文组 {example} 语文组\n本学区的村小：{schools}")
JOINT_NOT_CENTRAL = "联片教研由中心校组织：请中心校的管理员在本校发起。"
JOINT_UNKNOWN_GROUP = "「{school}」没有名为「{name}」的教研组。该校的教研组：{groups}"
JOINT_SET = "{day} {group}的教研活动设为联片教研：\n{joint}"
JOINT_ANNOUNCE_HINT = "发布通知：/announce {group}，通知会发到各校教研组的群里。"
JOINT_POSTED = "通知已发到新加入的教研组群里。"
JOINT_NO_NEW = "这些教研组已经在参加这次活动了。"
AUDIT_JOINT = "{group} {day} 联片教研，加入：{groups}"
JOINT_SUMMARY = "组织联片教研：其他学校的教研组一起参加（中心校管理员）"
LESSON_OTHER_SCHOOL = "\n🏫 {school}的公开课"

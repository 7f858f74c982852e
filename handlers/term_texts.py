"""Every Chinese sentence of issue 16 §6 and §7: plans and summaries, 外出学习汇报, 考核."""

from __future__ import annotations

SUMMARY = {
    "plans": "学期计划与总结：个人专业发展计划、学期总结（组长还有教研组计划、总结）",
    "outings": "外出学习汇报：登记、提交，组长可安排到教研活动",
    "outing": "安排老师外出学习：/outing 姓名 培训名称 返校日期",
    "appraise": "学期考核：每位老师的得分、等级、学分，优秀教研组排名",
}
OFF = "学校没有开启这项功能。"

# -- plans and summaries ----------------------------------------------------------------
PLANS_HEADER = "<b>{semester} · 计划与总结</b>"
PLAN_DONE = "✅ {label}：已提交（{day}）"
PLAN_NOT_DUE = "· {label}：未提交，{day}前交"
PLAN_LATE = "❗ {label}：未提交，已过截止日期（{day}）"
PLAN_GROUP_LABEL = "{group}{label}"
PLAN_WRITE = "写{label}"
PLAN_VIEW = "查看{label}"
PLANS_NOTHING = "本学期没有需要您提交的计划或总结。"
PLANS_MEMBERS = "\n<b>{group}</b>：{label} 已交 {done}/{people}"
PLANS_MISSING = "    未交：{names}"
PLANS_SCHOOL = "\n<b>全校</b>"
PLAN_NOT_YOURS = "只有本组教研组长可以写教研组的计划和总结。"
PLAN_REMIND = "📝 {name}，{label}请在{day}前提交。"
PLAN_REMIND_TODAY = "📝 {name}，{label}今天（{day}）截止，请尽快提交。"
PLAN_REMIND_LATE = "📝 {name}，{label}已过截止日期（{day}），还没有提交。"

# -- outings ----------------------------------------------------------------------------
OUTING_USAGE = ("请这样发送：/outing 姓名 培训名称 返校日期\n"
                "例如 /outing 刘洋 省骨干教师培训 12月12日")
OUTING_WHO = "花名册上没有「{name}」。"
OUTING_WHO_MANY = "花名册上有 {count} 位「{name}」，请用 /teacher 查看后再安排。"
OUTING_SAVED = "✅ 已安排{name}参加「{training}」，{back}返校，{due}前交外出学习汇报。"
OUTING_TOLD = ("📚 {admin}安排您参加「{training}」，{back}返校。\n"
               "按学校要求，回来后请在{due}前交一份外出学习汇报，并在教研活动中向全组老师汇报。")
OUTING_FROM_PAUSE = "📚 这是一次外出学习：回来后请在{due}前交一份外出学习汇报（/outings）。"
OUTING_TO_LEADER = ("📚 {name}外出学习「{training}」，{back}返校，{due}前交汇报。"
                    "可以在 /outings 里把汇报安排到教研活动。")
OUTINGS_HEADER = "<b>{semester} · 外出学习汇报</b>"
OUTINGS_NONE = "本学期还没有外出学习的记录。"
OUTING_LINE = "· {name}「{training}」{start}—{back}，{state}"
OUTING_STATE_DONE = "汇报已交（{day}）"
OUTING_STATE_OPEN = "汇报{due}前交"
OUTING_STATE_LATE = "汇报已过截止日期（{due}）"
OUTING_SCHEDULED = "，安排在{day}的教研活动汇报"
OUTING_WRITE = "写汇报：{training}"
OUTING_SCHEDULE = "安排汇报：{name}"
OUTING_PICK = "把{name}的汇报「{training}」安排到{group}哪一次教研活动？"
OUTING_NO_SESSIONS = "{group}近期没有可以安排的教研活动。"
OUTING_TOPIC = "外出学习汇报：{training}"
OUTING_SET = "✅ 已把{name}的外出学习汇报安排到{day}的教研活动，主题：{topic}"
OUTING_SET_TOLD = "📚 您的外出学习汇报安排在{day}的{group}教研活动，请准备好汇报内容。"
OUTING_GONE = "这条外出学习记录已经没有了。"
OUTING_REMIND = "📚 {name}，外出学习「{training}」的汇报请在{due}前提交。"
OUTING_REMIND_LATE = "📚 {name}，外出学习「{training}」的汇报已过截止日期（{due}），还没有提交。"

# -- 考核 --------------------------------------------------------------------------------
APPRAISE_HEADER = "<b>{semester} · 考核</b>（截至 {today}，满分 100）"
APPRAISE_LINE = "{name}（{group}）{score} 分 {grade}"
APPRAISE_CREDITS = " · 学分 {credits}"
APPRAISE_GROUPS = "\n<b>优秀教研组排名</b>"
APPRAISE_GROUP_LINE = ("{rank}. {group} {score} 分"
                       "（平均 {members} 分，出勤率 {rate}，计划总结 {docs}）")
APPRAISE_TEACHER = "<b>{name} · 考核</b>（{group}）"
APPRAISE_ITEM = "· {label}：{earned}/{weight} 分（{detail}）"
APPRAISE_ITEM_OUT = "· {label}：不计（{detail}）"
APPRAISE_BASE = "按细则得分：{score} 分（未计的项目按比例折算）"
APPRAISE_ADJUST_LINE = "调整 {points} 分：{reason}（{by}，{day}）"
APPRAISE_TOTAL = "<b>总分 {score} 分，等级：{grade}</b>"
APPRAISE_ADJUST = "调整分数"
APPRAISE_BACK = "返回名单"
APPRAISE_SAVED = "✅ 已调整{name}的考核：{points} 分（{reason}）。现在 {score} 分，{grade}。"
APPRAISE_NOBODY = "没有找到「{name}」。"
APPRAISE_NO_ITEMS = "考核细则还没有配置（[appraisal] items）。"
DETAIL_QUOTA = "完成 {done}，截至今天应完成 {due}，全学期 {target}"
DETAIL_NO_QUOTA = "没有这项指标"
DETAIL_RECORDS = "{count} 份，每份 {per} 分"
DETAIL_REVIEW = "检查 {checked} 份，合格或优秀 {good} 份"
DETAIL_NO_REVIEW = "还没有检查过的记录"
DETAIL_EXCELLENT = "优秀 {count} 份，每份 {per} 分"
DETAIL_PLANS = "应交 {due} 份，已交 {done} 份"
DETAIL_NONE_DUE = "还没有到期的"
DETAIL_OUTINGS = "应交汇报 {due} 份，已交 {done} 份"

# -- the archive --------------------------------------------------------------------------
SHEET_APPRAISAL = "考核汇总"
SHEET_GROUPS = "优秀教研组"
SHEET_PLANS = "计划与总结"
SHEET_OUTINGS = "外出学习汇报"
PLANS_DIR = "教研组计划与总结"
GROUP_DOC_FILE = "{group}_{label}"
DOC_META = "{school}　{semester}　{group}　组长：{leader}　提交：{day}"
PORTFOLIO_GROUP_EVAL = ("检查结果：合格 {good} 份，优秀 {excellent} 份，"
                        "退回修改 {returned} 份，未检查 {open} 份。")
PORTFOLIO_ADMIN_EVAL = "考核得分 {score} 分，等级：{grade}。"
PORTFOLIO_ADMIN_CREDITS = "学分 {credits}。"
PORTFOLIO_NO_SUMMARY = ""
HANDED = "已交"
NOT_HANDED = "未交"

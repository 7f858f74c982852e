"""Every Chinese sentence the handlers say, in one place.

Templates take already-escaped values where they hold user text: callers pass values
through ``render.esc`` first.
"""

from __future__ import annotations

BOT_NAME = "研修助手"

ROLE_LABELS = {"teacher": "教师", "leader": "教研组长", "admin": "管理员"}

GREETING_STRANGER = (
    "您好！我是<b>{bot}</b>，学校校本研修的小助手：提醒教研活动、收集教学反思和听课记录、"
    "统计每位老师的研修进度。\n\n"
    "请先绑定花名册：发送 <code>/bind 绑定码</code>（绑定码由教导处发放）。\n"
    "没有绑定码？发送 <code>/request 您的姓名</code>，由教导处审核。"
)
GREETING_BOUND = "{name}您好！我是<b>{bot}</b>。发送 /help 看看我能做什么。"
STRANGER_REFUSED = (
    "您还没有绑定花名册，暂时不能使用这个功能。\n"
    "请私聊我发送 <code>/bind 绑定码</code>；没有绑定码请联系教导处。"
)
DEACTIVATED = "您的账号已停用。如有疑问，请联系教导处。"
NOT_ALLOWED = "抱歉，只有{who}可以使用 /{command}。"
BUTTON_NOT_ALLOWED = "抱歉，只有{who}可以这样操作。"
WHO_BY_ACCESS = {1: "已绑定的老师", 2: "教研组长或管理员", 3: "管理员"}
UNKNOWN_COMMAND = "没有 /{command} 这个命令。发送 /help 查看可用的命令。"
PRIVATE_ONLY = "/{command} 需要在私聊中使用，点下面的按钮打开与我的私聊。"
PRIVATE_ONLY_BUTTON = "私聊打开"
GROUP_ONLY = "/{command} 需要在教研组的群里使用。"
PLAIN_TEXT_HINT = "我没有看懂这条消息。发送 /help 查看我能做什么。"
NOT_TEXT = "我只能读文字消息，请用文字回复。"
BUTTON_EXPIRED = "这个按钮已经失效了。"
# A message to someone else could not be delivered after every retry.
NOT_DELIVERED = "⚠️ 没能送达{whom}：「{what}」。请当面或电话告知。"
GROUP_CHAT = "教研组群"
GROUP_CHAT_OF = "{group}群"
DB_BUSY = "系统正忙，刚才这条没有保存（之前填的都还在），请过一会儿再发一次这条。"
# A message sent before the person saw DB_BUSY: storing it would put it in the field the
# failed one was meant for.
DB_BUSY_LATER = "这条也没有保存：请先重发没保存的那条，再接着发这条。"
INTERNAL_ERROR = "抱歉，出了点问题，已记录下来。请稍后再试。"

BIND_USAGE = "请这样发送：<code>/bind 绑定码</code>，绑定码由教导处发放（8 位字母和数字）。"
BIND_OK = "绑定成功！{name}您好，欢迎使用{bot}。发送 /help 看看我能做什么。"
BIND_ALREADY = "这个账号已经绑定为 {name}。如需更换，请联系教导处解绑。"
BIND_OTHER_SCHOOL = "这个账号已经绑定在另一所学校。如需更换，请联系那所学校的管理员解绑。"
BIND_WRONG = "绑定码不正确，请核对后再试（本小时内还可以再试 {left} 次）。"
BIND_LIMITED = "尝试次数太多，请一小时后再试，或联系教导处。"
REQUEST_USAGE = "请这样发送：<code>/request 您的姓名</code>，例如 <code>/request 王芳</code>。"
REQUEST_FILED = (
    "已收到申请。教导处核对后我会通知您；如果一天内没有消息，请直接联系教导处。"
)
REQUEST_PENDING = "您的申请正在等待教导处审核，请耐心等候。"
REQUEST_UNKNOWN_TO_ADMIN = (
    "绑定申请：{display} 申请绑定为「{name}」，但花名册上没有这个名字。"
    "如果是新同事，请把他加入花名册并重新导入，再给他绑定码。")
REQUEST_TO_ADMIN = "绑定申请：Telegram 用户 {display} 申请绑定为 <b>{name}</b>（{groups}）。"
PENDING_NONE = "没有待审核的绑定申请。"
PENDING_HEADER = "有 {count} 条绑定申请等待审核："
REQUEST_APPROVE = "批准"
REQUEST_REFUSE = "拒绝"
REQUEST_DECIDED = "{text}\n\n{admin}{verdict}。"
REQUEST_ALREADY_DECIDED = "这条申请已经处理过了。"
REQUEST_APPROVED_TO_USER = "教导处已批准：您已绑定为 {name}。发送 /help 看看我能做什么。"
REQUEST_REFUSED_TO_USER = "教导处没有批准这次绑定申请。如有疑问，请直接联系教导处。"

LINK_USAGE = "请这样发送：<code>/link 语文组</code>（可选：{groups}，或 全校）。"
LINK_UNKNOWN = "没有名为「{name}」的教研组。可选：{groups}，或 全校。"
LINK_OK = "好的，本群已关联到 <b>{target}</b>。之后的教研通知和进度会发在这里。"
LINK_SCHOOL = "全校"
UNLINK_OK = "本群已取消关联，我不再向这里发送通知。"
UNLINK_NONE = "本群本来就没有关联教研组。"
UNLINKED_GROUP = (
    "本群还没有关联教研组。请管理员在群里发送 <code>/link 语文组</code>"
    "（或 <code>/link 全校</code>），之后我才会在这里工作。"
)
GROUP_WELCOME = "大家好，我是{bot}。"

HELP_HEADER_PRIVATE = "<b>{bot}</b> · 我能做的事（{role}）："
HELP_HEADER_GROUP = "<b>{bot}</b> · 在群里可以用："
HELP_FOOTER_STRANGER = "\n绑定花名册后可以使用更多功能。"
HELP_FOOTER_PRIVATE = "\n私聊中的表单随时可以 /cancel 取消、/back 返回上一项。"

ME_HEADER = "<b>{name}</b>（{role}）\n学校：{school}\n教研组：{groups}"
ME_LEADS = "担任教研组长：{groups}"
ME_SEMESTER = "本学期：{semester}（{start} 至 {end}）"
ME_THEME = "研修主题：{theme}"
ME_NO_QUOTAS = "研修进度：没有适用于您的研修指标。"
NO_SEMESTER = "现在不在任何学期内，暂时不能提交记录。"
PROGRESS_HEADER = "<b>研修进度</b>（截至 {today}）"
PROGRESS_LINE = "{label}（{when}）{done}/{target}{unit} {bar} {status}"
PROGRESS_NOTHING = "{label}（{when}）{nothing}"
PROGRESS_PACE = "，还差约 {amount}"
PROGRESS_DUE = "（{month}月{day}日前完成）"
# The word for a piece of each kind in "还差约 3 篇"; other kinds: PIECE.
PIECE = "篇"
PIECES = {"observation": "节", "open_lesson": "节", "attendance": "次"}
PROGRESS_SHORT = "    另有 {count} 篇不足 {min} 字，未计入"
PROGRESS_PAST = "    往月：{months}"
THIS_MONTH = "本月"
MONTH = "{month}月"
THIS_SEMESTER = "本学期"
UNIT_CHARS = " 字"
UNIT_PIECES = ""
NONE = "无"

# Command summaries, shown by /help and in the platform's command menu.
SUMMARY = {
    "start": "开始使用",
    "help": "我能做什么",
    "bind": "用绑定码绑定花名册",
    "request": "没有绑定码时申请绑定",
    "me": "我的信息和研修进度",
    "record": "交其他材料：读书笔记、教育故事等",
    "mine": "我的记录：查看、修改、删除",
    "cancel": "放弃正在填写的表单",
    "back": "表单返回上一项",
    "skip": "跳过表单的选填项",
    "done": "长文写完，进入下一项",
    "sessions": "近期的教研活动",
    "announce": "发布教研活动通知（教研组长）",
    "pause": "外出期间暂停提醒并请假：/pause 开始日期 结束日期 原因",
    "addlesson": "登记公开课、研讨课",
    "lessons": "近期的公开课和预约听课",
    "check": "检查本月的记录：合格、优秀或退回修改（教研组长、教导处）",
    "progress": "教研组的研修进度",
    "settings": "提醒设置：哪天提醒、是否提醒",
    "export": "导出本学期档案（管理员）",
    "audit": "最近的操作记录（管理员）",
    "teacher": "查看和修改一位老师：角色、教研组、停用、绑定（管理员）",
    "addteacher": "添加一位老师（管理员）",
    "pending": "待审核的绑定申请（管理员）",
    "link": "把本群关联到教研组（管理员）",
    "unlink": "取消本群的关联（管理员）",
}

# -- forms ------------------------------------------------------------------------------
FORM_ASK = "<b>{form}</b> · 第 {number}/{total} 项 · {label}"
FORM_CURRENT = "当前内容：{value}"
FORM_LONG_REPLACE = "发送新内容会<b>替换</b>原文；原文不用改就点「完成」。"
FORM_LONG_APPEND = "继续发送的内容会<b>接在后面</b>；写完了点「完成」。"
FORM_HINTS = "<i>（{hints}）</i>"
FORM_HINT_SKIP = "可 /skip 跳过"
FORM_HINT_LONG = "至少 {min} 字，可以分几条消息发送，写完点「完成」"
FORM_HINT_LONG_NO_MIN = "可以分几条消息发送，写完点「完成」"
FORM_HINT_SHORT = "至少 {min} 字，一条消息"
FORM_OLD_BUTTON = "这是前面问题的按钮，请回答现在这一项。"
FORM_BACK_TO = "回到还没填完的{form}："
FORM_HINT_BACK = "/back 返回上一项"
FORM_HINT_CANCEL = "/cancel 放弃"
FORM_TODAY = "今天"
FORM_YESTERDAY = "昨天"
FORM_TOMORROW = "明天"
FORM_DONE = "完成"
FORM_SKIP = "跳过"
FORM_KEEP_VALUE = "保持不变"
FORM_EMPTY = "（未填）"
FORM_TOTAL_CHARS = "正文合计：{chars} 字"
FORM_REPEATS_CUT = "（重复的句子只计一次，{chars} 字未计入）"
FORM_CONFIRM = "请核对这份<b>{form}</b>：\n\n{summary}"
FORM_SUBMIT = "提交"
FORM_EDIT = "修改某项"
FORM_CANCEL = "取消"
FORM_BACK_TO_SUMMARY = "返回核对"
FORM_PICK = "要修改哪一项？"
FORM_CANCEL_ASK = "确定放弃这份<b>{form}</b>吗？已填写的内容会被删除。"
FORM_DISCARD = "放弃"
FORM_KEEP = "继续填写"
FORM_SWITCH_ASK = "您还有一份没写完的<b>{form}</b>。继续写它，还是放弃它开始新的？"
FORM_SWITCH = "放弃它，开始新的"
FORM_DISCARDED = "已放弃这份{form}。"
FORM_EMPTY_ANSWER = "内容不能为空，请重新输入。"
FORM_FUTURE_DATE = "日期不能晚于今天，请重新输入。"
FORM_PAST_DATE = "日期不能早于今天，请重新输入。"
FORM_CHOOSE = "请从这些选项中选一个：{choices}"
FORM_TOO_LONG = "太长了：最多 {limit} 个字符，现在有 {length} 个，请精简后重新输入。"
FORM_LONG_SO_FAR = "已记下「{label}」，共 {chars} 字"
FORM_LONG_MISSING = "，还差 {missing} 字"
FORM_LONG_MORE = "。可以继续发送补充；写完了点「完成」。"
FORM_WHICH_TEACHER = "花名册里有几位「{name}」，是哪一位？"
FORM_VISITOR = "已按校外教师记录「{name}」。"
FORM_VISITOR_ASK = "花名册里没有「{names}」。是校外教师吗？"
FORM_VISITOR_YES = "是，校外教师"
FORM_VISITOR_RETYPE = "重新输入"
FORM_ROSTER_NAMES = "已认出花名册上的 {names}。"
FORM_NOT_NOW = "现在不能用 /{name}。"
FORM_AT_FIRST = "已经是第一项了。"
FORM_REQUIRED = "这一项必须填写，不能跳过。"
FORM_MISSING = "「{label}」还没有填写。"
FORM_USE_BUTTONS = "请点下面的按钮继续。"

# -- records ----------------------------------------------------------------------------
FORM_EDITING = "修改{form}：请点「修改某项」选择要改的内容，改好后提交。"
FORM_SEE_PRIVATE = "请到与我的私聊中填写。"
FORM_IN_PRIVATE = "在这里填写："
FORM_CONTINUE_HERE = "开始填写"
FORM_OPEN_PRIVATE_FIRST = "{name}，请先点下面的按钮打开与我的私聊，再回来点一次。"
FORM_RESUMED = "接着写上次没写完的{form}："
NO_OPEN_FORM = "现在没有正在填写的表单。"
RECORD_SAVED = "✅ 已提交{form}「{title}」。"
RECORD_UPDATED = "✅ 已修改{form}「{title}」。"
RECORD_CHARS = "正文 {chars} 字。"
REPEATS_TO_READERS = "📝 {name}的{form}「{title}」有重复的句子，只计一次（{chars} 字未计入）："
REPEATS_PIECE = "·「{sentence}」又出现 {times} 次"
RECORD_GONE = "这条记录不存在或已删除。"
SEMESTER_CLOSED = "本学期已结束归档，记录不能再修改。"
RECORD_CHOOSE = "要交哪一种材料？"
MINE_EMPTY = "本学期您还没有提交记录。可以点「写反思」「记听课」或发送 /record 开始。"
MINE_HEADER = (
    "<b>我的记录</b> · {semester}（共 {total} 份，第 {page}/{pages} 页）\n"
    "点一条查看、修改或删除："
)
PAGE_PREVIOUS = "上一页"
PAGE_NEXT = "下一页"
RECORD_VIEW = "<b>{form}</b> · {day}\n\n{body}"
RECORD_EDIT = "修改"
RECORD_DELETE = "删除"
RECORD_BACK = "返回列表"
RECORD_DELETE_ASK = "确定删除「{title}」吗？删除后不再计入进度（教导处仍可查到删除记录）。"
RECORD_DELETE_YES = "确认删除"
RECORD_DELETE_NO = "不删了"
RECORD_DELETED = "已删除「{title}」。"

FORM_COMMAND_SUMMARY = "填写{form}"

# Buttons of the private-chat keyboard, and the command each stands for.
MENU = (("写反思", "记听课"), ("交材料", "我的进度"), ("我的记录", "帮助"))
MENU_COMMANDS = {"写反思": "reflect", "记听课": "observe", "交材料": "record",
                 "我的进度": "me", "我的记录": "mine", "帮助": "help"}
DRAFT_WARNING = (
    "您有一份没写完的<b>{form}</b>，将在 {expires} 自动清除。"
    "发送任意内容即可接着写，或发送 /cancel 放弃。"
)

# -- sessions ---------------------------------------------------------------------------
SESSION_OFF = "本周不安排教研"
SESSION_LINE_OFF = "{day}：{note}"
SESSION_LINE = "<b>{group}教研</b> · {when} · {place}"
SESSION_TOPIC = "专题：{topic}（主讲：{host}，形式：{form}）"
SESSION_CONTENT = "内容：{content}"
SESSION_MATERIALS = "请准备：{materials}"
# What a decision reads as after the decider's name: "陈主任未批准".
DECIDED = {"批准": "已批准", "拒绝": "已拒绝", "不批准": "未批准"}
# Titles that already say how to address someone: no 老师 after them ("陈主任您好").
TITLES = ("老师", "主任", "校长", "书记", "组长", "园长")
TEACHER_SUFFIX = "老师"
ATTEND_GO = "参加"
ATTEND_LEAVE = "请假"
SESSIONS_NO_GROUP = "您还没有加入任何教研组。"
SESSIONS_NONE = "未来 {weeks} 周没有安排教研活动。"
SESSIONS_HEADER = "<b>近 {weeks} 周的教研活动</b>"
SESSION_MANAGE = "管理 {day} {group}教研"
ANNOUNCE_NOT_YOURS = "您不是「{group}」的教研组长，不能发布它的通知。"
ANNOUNCE_WHICH_GROUP = "要发布哪个教研组的通知？"
ANNOUNCE_NOT_LEADER = "只有教研组长或管理员可以发布教研通知。"
ANNOUNCE_NO_SESSION = "未来 8 周没有可以发布的教研活动。"
ANNOUNCE_INTRO = "发布这次教研的通知：\n{session}"
SESSION_GONE = "这次教研已经取消或不存在了。"
ANNOUNCEMENT = "📢 <b>教研活动通知</b>\n{session}\n\n请点「参加」或「请假」。"
ANNOUNCED_OK = "✅ 通知已提交，正在发到教研组群。"
ANNOUNCED_NO_CHAT = "✅ 已保存。这个教研组还没有关联群聊，请管理员在群里发送 /link 关联后再发布。"
SESSION_EDIT_NOTICE = "修改通知内容"
SESSION_MOVE = "改时间地点"
SESSION_CANCEL = "取消本次"
SESSION_ROLL = "考勤"
SESSION_MOVED = "📅 {group}原定{old}的教研改到 <b>{new}</b>，地点：{place}。"
SESSION_CHANGED_OK = "✅ 已更新，正在通知教研组群。"
SESSION_CANCEL_ASK = "确定取消{day}的{group}教研吗？会通知全组。"
SESSION_CANCEL_YES = "确定取消"
SESSION_CANCEL_NO = "不取消"
SESSION_ALREADY_CANCELLED = "这次教研已经取消了。"
SESSION_CANCELLED = "❌ {group}{day}的教研活动取消。"
ROLL_HEADER = "<b>{group}教研考勤</b> · {day}\n点按钮可以更正："
ATTENDANCE_LABELS = {"going": "将参加", "leave_pending": "请假待批", "leave": "请假",
                     "leave_refused": "请假未批", "present": "出席", "absent": "缺席"}
ATTENDANCE_UNKNOWN = "未回复"
NOT_YOUR_SESSION = "只有本组教研组长或管理员可以操作。"
NOT_YOUR_GROUP = "这不是您所在教研组的活动。"
ATTEND_TOO_LATE = "活动已经开始，不能再报名或请假了。"
ATTEND_GO_OK = "好的，已记下您参加。"
CHECKIN_CLOSED = "现在不在签到时间内。"
CHECKIN_OK = "{name}，签到成功！"
LATE = "迟到"
SESSIONS_MANAGE_HERE = "您可以在这里管理这些教研活动："
SEE_PRIVATE_REFUSAL = "这个命令您暂时用不了，点下面的按钮私聊我了解原因。"
LATE_AT = LATE + " {at}"
CHECKIN_LATE = "{name}，已签到（迟到，{at}）。"
LEAVE_ALREADY = "您已经请过假了。"
LEAVE_OPEN_PRIVATE = "请假需要说明原因，请在私聊中填写："
LEAVE_BUTTON = "填写请假原因"
LEAVE_SEE_PRIVATE = "请到与我的私聊中填写请假原因。"
LEAVE_TO_ADMIN = "请假申请：<b>{name}</b> 申请不参加{day}的{group}教研。\n原因：{reason}"
LEAVE_TO_LEADER = "本组 <b>{name}</b> 申请不参加{day}的教研，已报教导处审批。\n原因：{reason}"
LEAVE_APPROVE = "批准"
LEAVE_REFUSE = "不批准"
LEAVE_SENT = "请假申请已提交，正在通知教导处，审批后会告诉您。"
LEAVE_ALREADY_DECIDED = "这条请假申请已经处理过了。"
ALREADY_HANDLED_BY = "已由{admin}处理。"
ROLL_CHANGED = "考勤刚被更新过，请看最新情况再改。"
FORM_ALREADY_DONE = "这份已经提交过了，可在 /mine 查看。"
DRAFT_CLOSED_BY_SEMESTER = ("本学期已结束，您还没提交的《{form}》已关闭，不能再提交。"
                            "您写的内容都在下面，需要的话请复制保存：")
LEAVE_ADMIN_MARKED = "教导处已经登记了您这次的考勤，不能再请假；如有出入，请联系教导处。"
LEAVE_DECIDED = "{name}的请假（{group}，{day}）：{admin}{verdict}。"
LEAVE_APPROVED = "教导处已批准您不参加{day}的{group}教研。"
LEAVE_REFUSED = "教导处没有批准您{day}的{group}教研请假，请按时参加。"
PAUSE_USAGE = (
    "请这样发送：<code>/pause 开始日期 结束日期 原因</code>，"
    "例如 /pause 12月1日 12月5日 外出培训；只有一天：/pause 12月3日 外出培训。"
    "期间的教研活动作为请假报教导处审批；只想暂停提醒、教研照常参加，"
    "在原因后加「只暂停提醒」。"
)
PAUSE_ORDER = "结束日期不能早于开始日期。"
PAUSE_TOO_LONG = "暂停时间不能超过一年。"
REMIND_EVE = "⏰ <b>明天有教研</b>\n{session}\n\n还没回复的老师请点「参加」或「请假」。"
REMIND_SOON = "⏰ 教研马上开始：\n{session}\n\n您还没有回复，请点「参加」或「请假」。"
REMIND_CHECKIN = "🔔 {group}教研开始了，请点「签到」（{until}前都可以签到）。"
CHECKIN = "签到"
REMIND_MINUTES = "教研结束了，请填写这次的活动记录：\n{session}"
MINUTES_BUTTON = "填写活动记录"
CALENDAR_UNKNOWN_YEAR = (
    "提醒：{year}年的法定节假日已按国家放假办法排好，只有调休（周末上班）还不知道。"
    "国务院公布后请升级机器人；在此之前可在配置的 [calendar] make_up_days 中设置调休。"
)

# -- 公开课 --------------------------------------------------------------------------------
LESSON_PERIOD = "第{period}节，"
LESSON_LINE = (
    "<b>{kind}</b>{title} · {teacher}\n{when}（{period}{place}）· {class_name} · {subject}"
)
LESSON_BOOKED_COUNT = "\n已预约 {count} 人"
LESSON_BOOK = "预约听课"
LESSON_UNBOOK = "取消预约"
LESSON_DETAILS = "详情"
LESSON_TEACHER_NOT_ON_ROSTER = "授课教师不在本校花名册上，公开课没有登记。"
LESSON_NOT_ALLOWED = "只有{name}本人、其教研组长或管理员可以登记这节课。"
LESSON_IN_PAST = "上课时间已经过去了，请重新登记。"
LESSON_ANNOUNCED = "📣 <b>公开课预告</b>\n{lesson}\n\n想来听课的老师请点「预约听课」。"
LESSON_SAVED = "✅ 已登记：\n{lesson}"
LESSONS_NONE = "近期没有登记的公开课。发送 /addlesson 登记。"
LESSONS_HEADER = "<b>近期公开课</b>"
LESSON_NOTE = "说课：{note}"
LESSON_BOOKED = "已预约（{count} 人）：{names}"
LESSON_REVIEWS = "已收到评课 {count} 份"
LESSON_ADD_NOTE = "写说课稿"
LESSON_READ_REVIEWS = "看评课"
LESSON_REVIEWS_HEADER = "{title}的评课"
LESSON_REVIEW = "<b>{name}</b>\n优点：{strength}\n不足：{weakness}\n建议：{suggestion}"
LESSON_GONE = "这节课已取消或不存在。"
LESSON_NOT_YET = "这节课还没有上，上完课后再写吧。"
LESSON_OWN = "这是您自己的课，不用预约。"
LESSON_BOOKING_CLOSED = "预约已截止。"
LESSON_BOOKED_OK = "预约成功，上课前会提醒您。"
LESSON_ALREADY = "您已经预约过了。"
LESSON_UNBOOKED = "已取消预约。"
LESSON_NOT_BOOKED = "您没有预约这节课。"
LESSON_NOTE_SHARED = "📄 您预约的公开课发来了说课稿：\n{lesson}\n\n{note}"
LESSON_NOTE_SAVED = "✅ 说课稿已保存，正在发给预约的 {count} 位老师。"
LESSON_REMIND = "⏰ 您预约的公开课快开始了：\n{lesson}"
LESSON_AFTER = "听完课了吗？请写一份听课记录（已按这节课预填）：\n{lesson}"
LESSON_WRITE_OBSERVATION = "写听课记录"
LESSON_ASK_REFLECTION = "您的公开课结束了，辛苦了！请写一份教学反思：\n{lesson}"
LESSON_WRITE_REFLECTION = "写教学反思"
LESSONS_GIVEN_HEADER = "<b>我上过的公开课</b>"
LESSON_NEXT_ROUND = "登记下一次试教（一课多研）"
LESSON_ROUND = "\n一课多研第 {n} 次"
LESSON_ROUNDS = "一课多研：{rounds}"
LESSON_ROUND_ITEM = "第{n}次 {day}，评课 {count} 份{mark}"
LESSON_ROUND_THIS = "（本次）"
LESSON_REVIEW_COUNT = "\n已收到评课 {count} 份"
LESSON_GIVEN_BUTTON = "{title} · 评课 {count} 份"
LESSON_FIRST_REVIEW = "💬 您的公开课收到了第一份评课（{name}）：\n{lesson}"
LESSON_ALL_REVIEWED = "✅ 预约听课的 {count} 位老师都写完了评课：\n{lesson}"
LESSON_REFLECT_REVIEWS = "\n\n已收到评课 {count} 份，点按钮时会先给您看。"

# -- progress, digest, nudges -------------------------------------------------------------
GROUP_PROGRESS_HEADER = "<b>{group} · 研修进度</b>（{today}，{people} 人）"
GROUP_QUOTA_LINE = (
    "{label}：平均完成 {share}%（应有 {pace}%），已完成 {done}/{people} 人，落后 {behind} 人"
)
# A quota whose current period asks nothing yet (instead of "0/0" or "100% done").
GROUP_QUOTA_NOTHING = "{label}：{nothing}"
NOTHING_ASKED = "暂无要求"
NO_SESSION_YET = "还没有举行过教研活动"
PERSON_ON_TRACK = "{name}：进度正常"
PERSON_BEHIND = "{name}：{count} 项落后（{items}）"
SCHOOL_PROGRESS_HEADER = "<b>全校研修进度</b>（{today}）"
SCHOOL_GROUP_LINE = "{group}：{people} 人，有落后项目的 {behind} 人"
SCHOOL_PROGRESS_FOOTER = "\n发送 /progress 教研组名 查看详情，例如 /progress 数学组"
PROGRESS_SCHOOL_CHAT = "这是全校群：发送 /progress 教研组名 查看某个组，例如 /progress 语文组。"
PROGRESS_NOT_YOUR_GROUP = "您只能查看自己所在教研组的进度。"
PROGRESS_UNKNOWN_GROUP = "没有名为「{name}」的教研组。可选：{groups}。"
PROGRESS_OWN = "<b>我的进度</b>"
CHART_TITLE = "{group}研修进度"
CHART_XLABEL = "平均完成百分比（竖线为应有进度）"
DIGEST_HEADER = "📊 <b>{group}周报</b> · {monday}这一周"
DIGEST_SESSION = "本周教研：{when}{topic}"
DIGEST_LESSON = "公开课：{when} {teacher}{title}"
DIGEST_PACE = "全组进度：平均完成 {share}%（应有 {pace}%），落后 {behind} 人。详情发送 /progress"
DIGEST_CONGRATS = "👏 上周交了研修材料：{names}{more}"
DIGEST_MORE = " 等 {count} 人"
DIGEST_NO_TOPIC = "（专题待发布）"
DIGEST_TOPIC = "「{topic}」"
DIGEST_NO_SESSION = "本周没有教研活动。"
DIGEST_FOR_LEADER = "（给教研组长的完整名单）\n"
NUDGE_HEADER = "{name}，这周的研修小提醒："
NUDGE_LINE = "· {item}，还差约 {amount}"
NUDGE_BUTTON = "写{label}"
NUDGE_FOOTER = "不想收到提醒？发送 /settings 调整。"
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
SETTINGS = "<b>提醒设置</b>\n每周进度提醒：{state}"
SETTINGS_ON = "{day}发送"
SETTINGS_OFF = "已关闭"
SETTINGS_MANDATORY = "（学校要求每周提醒，不能关闭，只能选择哪天收到。）"
SETTINGS_TURN_OFF = "关闭提醒"
SETTINGS_TURN_ON = "打开提醒"

# -- exports -----------------------------------------------------------------------------
EXPORT_LEDGER_FILE = "台账.xlsx"
EXPORT_SESSION_DIR = "教研活动记录"
EXPORT_PORTFOLIO_DIR = "个人研修档案"
EXPORT_SHEET_OBSERVATIONS = "听课台账"
EXPORT_SHEET_RECORDS = "反思与材料台账"
EXPORT_SHEET_SESSIONS = "教研活动"
EXPORT_SHEET_ATTENDANCE = "考勤-{group}"
EXPORT_SHEET_LEAVE = "请假台账"
EXPORT_SHEET_LESSONS = "公开课台账"
EXPORT_SHEET_COUNTS = "统计汇总"
EXPORT_SHEET_QUOTAS = "指标汇总"
EXPORT_COUNT_COLUMNS = ("字数合计", "公开课", "应到", "出勤")
EXPORT_SUBTOTAL = "小计"
EXPORT_TITLE = "{school}{semester}{ledger}"
EXPORT_META = "{school}　{semester}　导出日期：{today:%Y年%m月%d日}"
EXPORT_META_THEME = "　研修主题：{theme}"
EXPORT_FOOTER = "第 &P 页 共 &N 页"
EXPORT_TOTAL = "合计"
EXPORT_TOTAL_PRESENT = "实到人数"
EXPORT_HELD_COUNT = "已开展{n}次"
EXPORT_NTH = "第{n}次"
EXPORT_STATE_HELD = "已开展"
EXPORT_STATE_PLANNED = "未开展"
EXPORT_STATE_CANCELLED = "取消"
EXPORT_STATE_OFF = "顺延"
EXPORT_TEACHER = "教师"
EXPORT_GROUP = "教研组"
EXPORT_ATTENDANCE_COUNTS = ("应到", "出席", "请假", "未准假", "缺席")
EXPORT_ATTENDANCE_RATE = "出勤率（含准假）"
EXPORT_ATTENDANCE_LEGEND = "　只计已开展的活动；请假经批准或外出（/pause）计为出勤"
EXPORT_PRESENT = "出席"
EXPORT_LEAVE = "请假"
EXPORT_LEAVE_REFUSED = "未准假"
EXPORT_ABSENT = "缺席"
EXPORT_LEAVE_DECISIONS = {"leave": "准假", "leave_pending": "待审批", "leave_refused": "未准假"}
EXPORT_UNIT_TIMES = "次"
EXPORT_UNIT_PIECES = "篇"
EXPORT_YES = "是"
EXPORT_NO = "否（字数不足）"
EXPORT_DELETED = "已删除"
EXPORT_SESSION_FILE = "第{n:02d}次_{start:%Y-%m-%d_%H%M}"
EXPORT_SESSION_DOC = "{group}教研活动记录（第{n}次）"
EXPORT_SESSION_TITLE = "{school}教研活动记录"
EXPORT_SESSION_SUBTITLE = "{group}　{semester}　第{n}次"
EXPORT_SESSION_WHEN = "{day:%Y年%m月%d日}（{weekday}）{start:%H:%M}{end}"
EXPORT_LEAVE_BY = "{name}（{by}批准）"
EXPORT_WEEK = "第{n}周"
EXPORT_DUE_PRESENT = "应到 {due} 人，实到 {present} 人"
EXPORT_SIGNATURES = "教研组长（签名）：______________　　　　教导处审核（签名）：______________"
EXPORT_SIGNATURE_DATE = "日期：________年____月____日"
EXPORT_CELL_CUT = "{text}……（太长，全文见个人研修档案）"
EXPORT_PORTFOLIO_TITLE = "{name} · 个人研修档案"
EXPORT_PORTFOLIO_COVER = "个人研修档案"
EXPORT_CONTENTS = "目　录"
EXPORT_PORTFOLIO_SECTIONS = ("一、研修指标完成情况", "二、教研活动出勤", "三、公开课",
                             "四、研修记录", "五、学期总结", "六、评价")
EXPORT_KIND_LINE = "（{n}）{label}　{count} 份"
EXPORT_CN_NUMBERS = "一二三四五六七八九十"
EXPORT_MONTHLY_NOTE = "按月计的指标逐月列出，未到的月份空着；目标为整个学期的目标。"
EXPORT_ATTENDANCE_LINE = ("本学期已开展 {held} 次：出席 {present} 次，请假 {leave} 次，"
                          "缺席 {absent} 次；出勤率（含准假）{rate}。")
EXPORT_NO_LESSONS = "本学期没有登记公开课。"
EXPORT_LESSON_HEADING = "{day:%Y年%m月%d日}　{kind}《{title}》"
EXPORT_NOT_GIVEN = "（未提交）"
EXPORT_LESSON_NOTE_BY = "{name}的听课记录"
EXPORT_LESSON_NOTE = "优点：{strength}　不足：{weakness}　建议：{suggestion}"
EXPORT_RECORD_HEADING = "{n}. {title}（{day:%Y-%m-%d}，{chars} 字）"
EXPORT_NO_RECORDS = "本学期没有提交记录。"
EXPORT_READY = "📦 {name}（{size} KB）：台账、教研活动记录和个人研修档案。"
EXPORT_USAGE = "用法：/export（全校），/export 语文组，或 /export 教师姓名"
EXPORT_UNKNOWN = "没有找到教研组或老师「{name}」。"
AUDIT_EMPTY = "还没有操作记录。"
AUDIT_HEADER = "<b>最近 {count} 条操作记录</b>"
AUDIT_LINE = "{when} {who}：{action} {detail}"
AUDIT_SYSTEM = "系统"
AUDIT_ATTENDANCE = "{name}，{group}{day}的教研：{before} → {after}"
AUDIT_LEAVE = "{name}，{group}{day}的教研：{verdict}"
AUDIT_MOVE = "{group}{day}的教研改到 {new}"
AUDIT_SESSION = "{group}{day}的教研"
AUDIT_NOTHING = "未记录"
RESCHEDULE_CHECK = "⚠️ 请再确认一下：{problems}。仍然改到这个时间吗？"
RESCHEDULE_DAY_OFF = "{day}是{reason}"
RESCHEDULE_CLASH = "{group}{when}也在{place}活动"
RESCHEDULE_ANYWAY = "仍然改到这个时间"
RESCHEDULE_CHANGE = "修改"
AUDIT_ACTIONS = {"roster_import": "导入花名册", "demo_seed": "生成演示数据",
                 "bind": "绑定账号", "bind_request": "审核绑定",
                 "link_chat": "关联群聊", "delete_record": "删除记录",
                 "move_session": "教研改期", "cancel_session": "取消教研",
                 "correct_attendance": "更正考勤", "leave_decision": "审批请假",
                 "roster_add": "添加老师", "roster_change": "修改花名册", "semester": "学期"}
SEMESTER_SUMMARY_HEADER = "<b>{semester} · 学期总结</b>（各组完成全部指标的人数，及未完成的老师）"
SEMESTER_SUMMARY_GROUP = "\n<b>{group}</b>：{done}/{people} 人完成全部指标"
PERIOD_CLOSING = "{name}，{day}这一期就要结束了，下面几项还没完成："
MONTH_SUMMARY_HEADER = "<b>{month}月研修情况</b>（各组各项指标）"
ROSTER_CARD = (
    "<b>{name}</b>（{role}）\n教研组：{groups}\n学科：{subject}\n状态：{active}，{state}"
)
ROSTER_BOUND = "已绑定账号"
ROSTER_UNBOUND = "未绑定（绑定码 <code>{code}</code>）"
ROSTER_ACTIVE = "在职"
ROSTER_INACTIVE = "已停用（记录保留）"
ROSTER_DEACTIVATE = "停用"
ROSTER_ACTIVATE = "启用"
ROSTER_NEW_CODE = "重发绑定码"
ROSTER_UNBIND = "解绑账号"
ROSTER_NOT_YOURSELF = "不能停用自己的账号。"
TEACHER_USAGE = "请这样发送：<code>/teacher 姓名</code>"
TEACHER_NOT_FOUND = "花名册里没有「{name}」。添加请用 /addteacher。"
ADD_TEACHER_USAGE = (
    "请这样发送：<code>/addteacher 姓名 教研组 [角色] [学科]</code>，"
    "例如 /addteacher 李明 数学组 教师 数学"
)
ADD_TEACHER_EXISTS = "花名册里已经有「{name}」了，用 /teacher {name} 修改。"
ADD_TEACHER_OK = "已添加「{name}」，把下面的绑定码交给他/她："

# -- 检查 (review) ---------------------------------------------------------------------
REVIEW_MARKS = {"pass": "合格", "excellent": "优秀", "returned": "退回修改"}
REVIEW_UNCHECKED = "未检查"
REVIEW_ALL = "全校"
REVIEW_HEADER = "<b>{month}月记录检查</b>（{scope}）"
REVIEW_NOTHING = "本月还没有需要检查的记录。"
REVIEW_TEACHER_LINE = "{name}：{count} 份，未检查 {unchecked} 份"
REVIEW_TEACHER_HEADER = "<b>{name}</b> {month}月的记录（{count} 份），点一份查看并检查："
REVIEW_RECORD_BUTTON = "{status} · {form} · {title} · {day}"
REVIEW_RECORD = "<b>{name}</b> · {form} · {day}\n\n{body}"
REVIEW_CURRENT = "\n检查结果：{status}"
REVIEW_COMMENT = "评语：{comment}"
REVIEW_GONE = "这份记录已删除，或不在您的检查范围内。"
REVIEW_SAVED = "✅ 已检查{name}的{form}「{title}」：{mark}"
REVIEW_BACK_TO_TEACHER = "返回{name}的记录"
REVIEW_TOLD = "📋 您的{form}「{title}」已检查：{mark}（{reviewer}）\n评语：{comment}"
REVIEW_TOLD_RETURNED = (
    "↩️ 您的{form}「{title}」被退回修改（{reviewer}）：\n{comment}\n\n"
    "修改后重新提交，才会再计入任务。")
REVIEW_REVISE = "修改"
REVIEW_RETURNED_NOTE = "↩️ 这份记录被退回修改：{comment}\n改好后提交，就会重新计入任务。"

# -- /pause as leave (issue 15) --------------------------------------------------------
PAUSE_QUIET_WORD = "只暂停提醒"
PAUSE_SPAN = "{start}至{end}"
PAUSE_SESSION = "{day}{group}"
PAUSE_OK = "好的，{span}不再给您发提醒（{reason}）。"
PAUSE_QUIET_OK = "只暂停提醒：考勤不变，期间的教研活动请照常参加。"
PAUSE_NO_SESSIONS = "期间没有您要参加的教研活动，不用请假。"
PAUSE_HELD_KEPT = "已经开过的教研不补请假，考勤不变：{sessions}。如有出入，请找教研组长更正。"
PAUSE_ALREADY_ASKED = "已请过假或已登记考勤的不再重复申请：{sessions}。"
PAUSE_ASKED = "期间的教研活动已作为请假报教导处审批，审批后会告诉您：{sessions}。"
PAUSE_CANCEL_BUTTON = "撤销这次暂停"
PAUSE_TO_ADMIN = ("请假申请：<b>{name}</b> {span}外出（{reason}），"
                  "申请不参加这期间的教研活动：{sessions}。")
PAUSE_TO_LEADER = ("本组 <b>{name}</b> {span}外出（{reason}），"
                   "申请不参加{sessions}的教研，已报教导处审批。")
PAUSE_DECIDED = "{name}的请假（{span}，{reason}；{sessions}）：{admin}{verdict}。"
PAUSE_APPROVED = "教导处已批准您{span}的请假（{reason}），这些教研活动记为请假：{sessions}。"
PAUSE_REFUSED = "教导处没有批准您{span}的请假（{reason}），请按时参加：{sessions}。"
PAUSE_WITHDRAWN = "这条请假已被本人撤销。"
PAUSE_NONE = "您现在没有暂停。"
PAUSE_LIST_HEADER = "<b>您的暂停</b>（点按钮撤销）"
PAUSE_LIST_LINE = "{span}（{reason}）：{state}"
PAUSE_STATES = {"quiet": "只暂停提醒", "pending": "请假待批", "approved": "已批准请假"}
PAUSE_CANCEL_LABEL = "撤销 {span}"
PAUSE_CANCEL_GONE = "这次暂停已经撤销或结束了。"
PAUSE_CANCELLED = "已撤销{span}的暂停，提醒照常发送。"
PAUSE_CANCELLED_SESSIONS = "这些教研活动不再请假，请照常参加：{sessions}。"
PAUSE_CANCELLED_TO = "{name}撤销了{span}的请假（{reason}），照常参加：{sessions}。"
PAUSE_CANCELLED_STATE = "撤销"
AUDIT_PAUSE = "{name}，{span}（{reason}）：{state}"
AUDIT_ACTIONS.update({"pause": "暂停提醒", "pause_cancel": "撤销暂停"})

# -- the minutes' 参加人员 as a checklist (issue 15) ---------------------------------------
FORM_CHECK_SUMMARY = "出席 {count} 人：{present}；请假：{leave}；缺席：{absent}"
FORM_CHECK_PREFILLED = "已按签到预填，点名字可以改。"
FORM_CHECK_ON = "✅ {name}"
FORM_CHECK_OFF = "⬜ {name}"
FORM_CHECK_DONE = "确认名单"
FORM_CHECK_LEAVE = "已批准请假，不算缺席。"
FORM_CHECK_USE_BUTTONS = "请点名字勾选到场的老师，勾好后点「确认名单」。"

# -- minutes from /sessions, and one reminder the next day (issue 15) ---------------------
SESSIONS_PAST_HEADER = "<b>已开过的教研</b>（活动记录）"
SESSIONS_PAST_LINE = "{day} {group}：{state}"
MINUTES_DONE = "已填写"
MINUTES_MISSING = "未填写"
MINUTES_WRITE = "填写活动记录 {day} {group}"
MINUTES_NOT_YET = "教研还没开始，开始后才能填写活动记录。"
MINUTES_ROLL_CHANGED = "⚠️ {names}的考勤刚被别人改过，没有按名单覆盖，请在「考勤」里核对。"
REMIND_MINUTES_LATE = "昨天的教研还没有活动记录，请补写（填好后考勤也会按名单记入）：\n{session}"

# -- issue 15b: the archive from the school's first day; /audit of older entries ----------
EXPORT_NOT_RECORDED = "—"
EXPORT_BEFORE_START = "启用研修助手前，未记录考勤"
EXPORT_ATTENDANCE_BEFORE = (
    "　“—”为{day.month}月{day.day}日启用研修助手前的活动：未记录考勤，不计入统计")
AUDIT_SOMEONE = "某位老师"
AUDIT_SOMEWHERE = "某教研组"
AUDIT_RECORD = "{owner}的{form}「{title}」"
AUDIT_REVIEW = "{owner}的{form}「{title}」：{mark}"
AUDIT_LINK = "群「{chat}」→ {group}"
AUDIT_OTHER = "其他操作"
AUDIT_ACTIONS = {**AUDIT_ACTIONS, "review_record": "检查记录"}

# -- 检查 rounds, 随机抽查, copies (issue 16 §1) ----------------------------------------
SUMMARY["check"] = (
    "检查本月的记录：合格、优秀或退回修改；/check 抽查 5 随机抽查（教研组长、教导处）")
REVIEW_SAMPLE_USAGE = "随机抽查请这样发送：<code>/check 抽查 5</code>（1 到 {most} 份）"
REVIEW_SAMPLE_ADMIN_ONLY = "随机抽查由教导处发起；您可以用 /check 检查本组的记录。"
REVIEW_SAMPLE_HEADER = (
    "<b>{month}月随机抽查</b>：从全校本月 {total} 份记录中抽出 {count} 份，点一份查看并检查：")
REVIEW_SAMPLE_NONE = "本月还没有可以抽查的记录。"
REVIEW_COPY_FLAG = "⚠️"
REVIEW_COPY_LINE = "（⚠️ {count} 份与其他记录高度相似）"
REVIEW_COPY_HEADER = "\n⚠️ 与下面的记录高度相似（仅供参考，请您对照后判断）："
REVIEW_COPY_ITEM = "· {name} · {form}「{title}」· {day}{semester} · 相似度 {percent}%"
REVIEW_COPY_OTHER_SEMESTER = "（{semester}）"
REVIEW_COMPARE_BUTTON = "对照：{name}「{title}」"
REVIEW_COMPARE_SIDE = "<b>【{label}】{name} · {form}「{title}」· {day}</b>\n{body}"
REVIEW_COMPARE_THIS = "待检查"
REVIEW_COMPARE_OTHER = "相似记录"
REVIEW_COMPARE_HEADER = "对照查看（相似度 {percent}%）：相似不等于抄袭，请您判断。"
REVIEW_BACK_TO_RECORD = "返回这份记录"
REVIEW_ROUND_HEADER = (
    "📋 <b>{month}月检查</b>（{scope}）：本月 {total} 份记录，还有 {unchecked} 份未检查。")
REVIEW_ROUND_START = "开始检查"
AUDIT_ACTIONS["review_record"] = "检查记录"

# -- 预约听课 arranged by 教导处 (issue 16 §2) ------------------------------------------
SUMMARY["assignlesson"] = "安排预约听课：约定授课老师、日期节次和听课老师（管理员）"
ASSIGN_OBSERVERS_UNKNOWN = "花名册里找不到：{names}。请点「修改」改一下听课老师（用顿号分开）。"
ASSIGN_OBSERVERS_TWICE = "花名册里有不止一位：{names}，请告诉管理员用 /teacher 区分后再安排。"
ASSIGN_OBSERVERS_NONE = "请至少写一位听课老师（用顿号分开），授课老师本人除外。"
ASSIGN_IN_PAST = "这一天已经过去了，请点「修改」换一个日期。"
ASSIGN_SAVED = (
    "✅ 已安排：{teacher} {day} 第{period}节上课，听课：{observers}。"
    "正在通知{teacher}登记这节课。")
ASSIGN_TOLD = (
    "📅 教导处（{by}）和您约定了一节公开课：{day} 第{period}节。\n听课老师：{observers}。\n"
    "请点下面的按钮登记这节课（课题、时间、地点等），登记后听课老师会自动预约。")
ASSIGN_REGISTER = "登记这节课"
ASSIGN_DONE_ALREADY = "这节课已经登记过了。"
ASSIGN_NOT_YOURS = "这节课是约定给别的老师的。"
ASSIGN_BOOKED = "已为 {count} 位听课老师预约：{names}。"
ASSIGN_OBSERVER_TOLD = "📅 教导处安排您听课，已为您预约：\n{lesson}"
ASSIGN_ADMIN_TOLD = "✅ {teacher}已登记您安排的课，听课老师已预约：\n{lesson}"
AUDIT_ACTIONS["assign_lesson"] = "安排预约听课"

# -- the archive's 检查 columns and the 优秀 booklet (issue 16 §1) --------------------------
EXPORT_REVIEW = "检查"
EXPORT_REVIEWER = "检查人"
EXPORT_REVIEW_COMMENT = "检查意见"
EXPORT_BOOKLET_FILE = "优秀反思与案例汇编.docx"
EXPORT_BOOKLET_TITLE = "优秀反思与案例汇编"
EXPORT_BOOKLET_COVER = "{school}\n{semester}"
EXPORT_BOOKLET_NOTE = (
    "本汇编收录本学期检查评为“优秀”的教学反思、听课记录与研修材料，共 {count} 篇。")
EXPORT_BOOKLET_COMPILED = "{school}教导处 编\n{day}"
EXPORT_BOOKLET_CONTENTS = "目录"
EXPORT_BOOKLET_ENTRY = "{n}. {form}《{title}》 {name}（{group}）"
EXPORT_BOOKLET_PIECE = "{n}. {form}：{title}"
EXPORT_BOOKLET_BYLINE = "{name}（{group}） · {day}"
EXPORT_BOOKLET_REVIEW = "评语（{reviewer}）"
ASSIGN_UNBOUND = "\n{teacher}还没有绑定账号，请当面告诉他/她用 /addlesson 登记。"
LESSON_OBSERVATION_MATCHED = "已关联到{teacher}的公开课{title}，评课会转给{teacher}。"

# -- 师徒结对 (issue 16 §3) and 课题研究 (§5) ------------------------------------------------
SUMMARY.update({
    "mentor": "师徒结对：双方的听课进度，师傅点评徒弟的反思（教导处在这里结对）",
    "topic": "我的课题：立项、关联记录、阶段小结、结题",
})
AUDIT_ACTIONS.update({"mentor_pair": "师徒结对", "mentor_end": "解除结对"})
MENTOR_OFF = "本校没有启用师徒结对。"
MENTOR_NONE = "您还没有师徒结对。结对由教导处安排（花名册的「师傅」一列，或 /mentor 师傅 徒弟）。"
MENTOR_USAGE = ("结对请这样发送：<code>/mentor 师傅 徒弟 [开始日期]</code>，"
                "例如 /mentor 王芳 刘洋 9月1日（不写日期就从今天起）")
MENTOR_ARGS_ADMIN = "只有管理员可以安排结对。查看自己的结对请直接发送 /mentor。"
MENTOR_NOT_FOUND = "花名册里没有「{name}」。"
MENTOR_AMBIGUOUS = "花名册里有几位「{name}」，无法确定是哪一位。"
MENTOR_SAME = "师傅和徒弟不能是同一个人。"
MENTOR_PAIRED = "✅ 已结对：师傅{mentor}，徒弟{mentee}，{day}起。"
MENTOR_ALREADY = "{mentor}和{mentee}已经是师徒（{day}起）。"
MENTOR_TOLD_MENTEE = ("🤝 教导处为您安排了师傅：{mentor}（{day}起）。"
                      "{quota}师傅会看到您的反思并点评。发送 /mentor 查看进度。")
MENTOR_TOLD_MENTOR = ("🤝 教导处为您安排了徒弟：{mentee}（{day}起）。"
                      "{quota}徒弟的公开课会通知您，您可以点评徒弟的反思。发送 /mentor 查看。")
MENTOR_QUOTA_MENTEE_TOLD = "每学期听师傅的课 {n} 节。"
MENTOR_QUOTA_MENTOR_TOLD = "每学期听徒弟的课 {n} 节。"
MENTOR_SECTION = "<b>师徒结对</b>"
MENTOR_AS_MENTEE = "师傅：{mentor}（{day}起）"
MENTOR_AS_MENTOR = "徒弟：{mentee}（{day}起）"
MENTOR_ELSEWHERE = "{school}·{name}"  # a 师傅 or 徒弟 of another school of the district
MENTOR_QUOTA_MENTEE = "徒弟听师傅的课"
MENTOR_QUOTA_MENTOR = "师傅听徒弟的课"
MENTOR_OTHER_FIGURES = "师傅点评 {comments} 次，徒弟公开课 {lessons} 节"
MENTOR_SCHOOL_HEADER = "<b>全校师徒结对</b>（{count} 对）"
MENTOR_SCHOOL_NONE = "<b>全校师徒结对</b>\n还没有结对。"
MENTOR_SCHOOL_LINE = ("{n}. 师傅{mentor} → 徒弟{mentee}（{day}起）："
                      "徒弟听课 {mentee_done}/{mentee_target}，"
                      "师傅听课 {mentor_done}/{mentor_target}，点评 {comments}")
MENTOR_END_BUTTON = "解除 {mentor}—{mentee}"
MENTOR_END_ASK = "确定解除师傅{mentor}和徒弟{mentee}的结对吗？已交的听课记录和点评都会保留。"
MENTOR_END_YES = "确定解除"
MENTOR_ENDED = "已解除师傅{mentor}和徒弟{mentee}的结对（{day}）。"
MENTOR_GONE = "这个结对已解除，或不是您的。"
MENTOR_READ_BUTTON = "看{mentee}的反思"
MENTOR_REFLECTIONS = "<b>{mentee}</b>本学期的教学反思（点一篇查看并点评）："
MENTOR_NO_REFLECTIONS = "{mentee}本学期还没有交教学反思。"
MENTOR_RECORD = "<b>{mentee}</b> · {form} · {day}\n\n{body}"
MENTOR_COMMENTS = "\n<b>点评</b>"
MENTOR_COMMENT_LINE = "· {mentor}（{day}）：{text}"
MENTOR_WRITE = "写点评"
MENTOR_HEARD = "· {day} 师傅点评{form}「{title}」：{text}"
MENTOR_COMMENT_SAVED = "✅ 点评已发给{mentee}。"
MENTOR_TOLD_COMMENT = "💬 师傅{mentor}点评了您的{form}「{title}」：\n{comment}"
MENTOR_TOLD_REFLECTION = "📝 徒弟{mentee}交了{form}「{title}」。"
MENTOR_READ_AND_COMMENT = "查看并点评"
MENTOR_TOLD_LESSON = "📣 您的徒弟{mentee}登记了公开课：\n{lesson}"
MENTOR_LESSON_VIEW = "查看并预约听课"
TOPIC_OFF = "本校没有启用课题研究。"
TOPIC_NONE = ("您还没有登记课题。每人都要有自己的研究课题：点「课题立项」填写立项表"
              "（课题名称、研究问题、研究计划）。")
TOPIC_NEW = "课题立项"
TOPIC_EXISTS = "您已经有一个在研的课题了，结题后才能再立项。"
TOPIC_PAGE = "<b>我的课题</b>{title}\n类别：{scope}　立项：{day}"
TOPIC_MEMBERS = "课题组成员：{members}"
TOPIC_QUESTION = "研究问题：{question}"
TOPIC_COUNTS = "关联记录 {linked} 份，阶段小结 {stages} 份，结题/阶段总结 {reports} 份"
TOPIC_RECENT = "· {day} {form}「{title}」"
TOPIC_DONE_BEFORE = "已结题：{titles}"
TOPIC_STAGE = "写阶段小结"
TOPIC_REPORT = "结题/阶段总结"
TOPIC_PICK = "关联已交的记录"
TOPIC_EDIT = "修改立项表"
TOPIC_PICK_HEADER = "选择要关联到课题{title}的记录："
TOPIC_NOTHING_TO_LINK = "本学期没有可以关联的记录（反思、听课记录等交了以后都可以关联）。"
TOPIC_LINK_OFFER = "这份记录和您的课题{title}有关吗？有关的话关联上，它会进入课题档案。"
TOPIC_LINK_BUTTON = "关联到课题"
TOPIC_LINKED = "🔗 已关联到课题{title}。"
TOPIC_GONE = "这个课题已结题或已删除。"
TOPIC_REGISTERED = "📌 课题已立项。以后写反思、听课记录时可以关联到课题；/topic 查看。"
TOPIC_CONCLUDED = "🎓 课题{title}已结题。"
TOPIC_REPORT_ASK = ("{name}，本学期{day}结束。请填写课题{title}的结题报告或阶段总结"
                    "（研究过程、成果、问题与设想）。")
TOPIC_REPORT_FILL = "填写结题/阶段总结"
TOPIC_OVERVIEW_HEADER = "<b>课题立项情况</b>（{scope}）"
TOPIC_OVERVIEW_LINE = "{group}：已立项 {done}/{people} 人{missing}"
TOPIC_OVERVIEW_MISSING = "，未立项：{names}"
TOPIC_SECTION = "<b>课题研究</b>"
TOPIC_SECTION_LINE = "{title}（{scope}，{state}）：关联记录 {linked} 份，阶段小结 {stages} 份"
TOPIC_SECTION_NONE = "还没有登记课题，发送 /topic 立项。"
TOPIC_OPEN, TOPIC_CLOSED = "研究中", "已结题"
EXPORT_SHEET_MENTORS = "师徒结对记录"
EXPORT_SHEET_MENTOR_VISITS = "师徒听课记录"
EXPORT_SHEET_TOPICS = "课题"
EXPORT_TOPIC_SECTION = "课题研究"
EXPORT_NO_TOPIC = "本学期没有登记课题。"
EXPORT_TOPIC_HEADING = "{title}（{scope}，{state}）"
EXPORT_TOPIC_LINKED = "关联的记录"
EXPORT_MENTEE_VISITS, EXPORT_MENTOR_VISITS = "徒弟听师傅", "师傅听徒弟"

# -- attachments (issue 16 §8) ----------------------------------------------------------
FORM_FILES = "{count} 个文件：{names}"
FORM_HINT_FILE = "发送一个文件或一张照片"
FORM_HINT_FILES = "发送文件或照片，最多 {max} 个，发完点「完成」"
FORM_SEND_FILE = "这一项请发送文件或照片（不是文字）。"
FORM_FILE_MISSING = "这一项需要至少一个文件或一张照片。"
FORM_FILES_FULL = "这一项最多 {max} 个文件，已经够了，请点「完成」。"
FORM_FILE_SO_FAR = "已收到「{label}」：{files}。可以继续发送；发完了点「完成」。"
FILE_TOO_LARGE = "文件太大（{size}），最大 {limit}。请压缩后再发，或分成几个文件。"
FILE_EMPTY = "这个文件是空的，请重新发送。"
FILE_TYPE_REFUSED = "这种文件收不了。可以发送：{types}（按文件内容识别，不看文件名）。"
FILE_PHOTO_NAME = "照片_{code}.{type}"
FILE_MISSING = "文件「{name}」找不到了，请联系管理员。"
FILES_OF_RECORD = "附件（{count} 个）"
EXPORT_FILES_DIR = "附件"
FILES_IN_ARCHIVE = "附件：{files}（见档案「附件」文件夹）"

# -- 集体备课 (issue 16 §4) ---------------------------------------------------------------
SUMMARY.update({"prep": "集体备课：教案、修改意见、二次备课"})
PREP_SETUP_INTRO = "这次是集体备课：请确定主备人和备课的课题。"
PREP_SET_GROUP = (
    "📘 <b>集体备课</b> · {group} · {day}\n主备人：{lead}\n课题：{lesson}\n"
    "教案请在 {due} 前提交；教案到了，组内老师会收到提醒写修改意见。")
PREP_SET_LEAD = (
    "📘 您是{group} {day} 集体备课的<b>主备人</b>，课题：{lesson}。\n"
    "请在 {due} 前提交教案（文字或文件都可以）。")
PREP_SET_OK = "✅ 已确定主备人：{lead}，课题：{lesson}。"
PREP_LESSON = "{unit}《{title}》"
PREP_PLAN_BUTTON = "交教案"
PREP_COMMENT_BUTTON = "写修改意见"
PREP_REVISE_BUTTON = "交二次备课"
PREP_VIEW_BUTTON = "看教案"
PREP_VIEW_REVISED_BUTTON = "看二次备课"
PREP_NEEDS_SOMETHING = "教案的文字和文件至少要有一样，请补上。"
PREP_PLAN_TO_MEMBER = (
    "📘 {lead}交了{group} {day} 集体备课的教案：{lesson}\n{body}\n"
    "请在活动前看一看，写下修改意见。")
PREP_PLAN_SAVED = "教案已发给组内 {count} 位老师，请他们写修改意见。"
PREP_COMMENT_TO_LEAD = "💬 {name}对教案{lesson}的修改意见：\n{comment}"
PREP_REVISED_TO_LEADER = "📗 {lead}交了{group} {day} 集体备课的二次备课：{lesson}\n{body}"
PREP_REMIND_PLAN = "⏰ {group} {day} 的集体备课，您是主备人，教案还没交（请在 {due} 前提交）。"
PREP_REMIND_REVISE = (
    "📗 {group} {day} 的集体备课已经结束，请根据大家的修改意见交二次备课"
    "（请在 {due} 前提交）。")
PREP_NOT_LEAD = "只有主备人能交教案。"
PREP_NOT_MEMBER = "这是其他教研组的集体备课。"
PREP_NO_PLAN = "主备人还没交教案。"
PREP_GONE = "这次集体备课已取消，或还没有确定主备人。"
PREP_NOT_YET_HELD = "集体备课结束后再交二次备课。"
PREP_LIST_HEADER = "<b>集体备课</b>（本学期）"
PREP_LIST_NONE = "本学期还没有安排集体备课。"
PREP_LIST_ITEM = (
    "{day} · {group} · 主备人 {lead} · {lesson}\n"
    "   教案：{plan} · 修改意见 {comments} 份 · 二次备课：{revised}")
PREP_DONE = "已交"
PREP_MISSING = "未交"
PREP_FILES = "附件：{files}"
PREP_VIEW_HEADER = "<b>{what}</b> · {lead} · {lesson}\n{body}"
PREP_PLAN_LABEL = "教案"
PREP_REVISED_LABEL = "二次备课"
PREP_ACTION_BUTTON = "{action} · {day} {group}"
PREP_SECTION = "集体备课"
PREP_PAPER_LEAD = "主备人"
PREP_PAPER_LESSON = "课题"
PREP_PAPER_PLAN = "教案（初备）"
PREP_PAPER_COMMENTS = "修改意见"
PREP_PAPER_REVISED = "二次备课"
PREP_PAPER_NONE = "（未交）"
PREP_LEDGER_SHEET = "集体备课台账"
PREP_LEDGER_COMMENTS = "{count} 份：{names}"
PREP_LEAD_NOT_MEMBER = "主备人要写教案，请选{group}的老师。"
PREP_OFF = "本校没有开启集体备课。"

# Issue 17: sessions across schools (联片教研) in the archive.
EXPORT_JOINT = "联片"

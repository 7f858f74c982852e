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
GREETING_BOUND = "{name}老师您好！我是<b>{bot}</b>。发送 /help 看看我能做什么。"
STRANGER_REFUSED = (
    "您还没有绑定花名册，暂时不能使用这个功能。\n"
    "请私聊我发送 <code>/bind 绑定码</code>；没有绑定码请联系教导处。"
)
DEACTIVATED = "您的账号已停用。如有疑问，请联系教导处。"
NOT_ALLOWED = "抱歉，只有{who}可以使用 /{command}。"
WHO_BY_ACCESS = {1: "已绑定的老师", 2: "教研组长或管理员", 3: "管理员"}
UNKNOWN_COMMAND = "没有 /{command} 这个命令。发送 /help 查看可用的命令。"
PRIVATE_ONLY = "/{command} 需要在私聊中使用，点下面的按钮打开与我的私聊。"
PRIVATE_ONLY_BUTTON = "私聊打开"
GROUP_ONLY = "/{command} 需要在教研组的群里使用。"
PLAIN_TEXT_HINT = "我没有看懂这条消息。发送 /help 查看我能做什么。"
NOT_TEXT = "我只能读文字消息，请用文字回复。"
BUTTON_EXPIRED = "这个按钮已经失效了。"
DB_BUSY = "系统正忙，您的内容没有丢失，请过一会儿再发一次。"
INTERNAL_ERROR = "抱歉，出了点问题，已记录下来。请稍后再试。"

BIND_USAGE = "请这样发送：<code>/bind 绑定码</code>，绑定码由教导处发放（8 位字母和数字）。"
BIND_OK = "绑定成功！{name}老师您好，欢迎使用{bot}。发送 /help 看看我能做什么。"
BIND_ALREADY = "这个账号已经绑定为 {name}。如需更换，请联系教导处解绑。"
BIND_WRONG = "绑定码不正确，请核对后再试（本小时内还可以再试 {left} 次）。"
BIND_LIMITED = "尝试次数太多，请一小时后再试，或联系教导处。"
REQUEST_USAGE = "请这样发送：<code>/request 您的姓名</code>，例如 <code>/request 王芳</code>。"
REQUEST_FILED = (
    "已收到申请。教导处核对后我会通知您；如果一天内没有消息，请直接联系教导处。"
)
REQUEST_PENDING = "您的申请正在等待教导处审核，请耐心等候。"
REQUEST_TO_ADMIN = "绑定申请：Telegram 用户 {display} 申请绑定为 <b>{name}</b>（{groups}）。"
PENDING_NONE = "没有待审核的绑定申请。"
PENDING_HEADER = "有 {count} 条绑定申请等待审核："
REQUEST_APPROVE = "批准"
REQUEST_REFUSE = "拒绝"
REQUEST_DECIDED = "{text}\n\n已由 {admin} {verdict}。"
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
ME_NO_QUOTAS = "研修进度：本校还没有设置研修指标。"
NONE = "无"

# Command summaries, shown by /help and in the platform's command menu.
SUMMARY = {
    "start": "开始使用",
    "help": "我能做什么",
    "bind": "用绑定码绑定花名册",
    "request": "没有绑定码时申请绑定",
    "me": "我的信息和研修进度",
    "pending": "待审核的绑定申请（管理员）",
    "link": "把本群关联到教研组（管理员）",
    "unlink": "取消本群的关联（管理员）",
}

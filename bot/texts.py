"""Chinese text of the adapters, the sandbox and the command line."""

from __future__ import annotations

SANDBOX_GUEST = "访客"
SANDBOX_SCHOOL_CHAT = "全校"
SANDBOX_PRIVATE = "私聊"
SANDBOX_NO_TOKEN = "没有设置 YANXIU_BOT_TOKEN，所以在终端里运行"
SANDBOX_ASKED = "yanxiu sandbox：在终端里运行，不连接 Telegram"
SANDBOX_BANNER = (
    "研修助手 · 控制台沙盒（{why}）\n"
    "沙盒时间：{now}\n"
    "沙盒命令：/as 姓名（切换身份，例如 /as 王芳）  /in 语文组 | /in 全校 | /in 私聊（切换聊天）\n"
    "          /clock +2d | +3h | +30m | 2026-12-02 15:00（移动时间）  /tap 1（按第 1 个按钮）\n"
    "          /codes（未绑定老师的绑定码）  /file 路径（发一个文件或照片）  /quit（退出）\n"
    "其余输入都会作为消息发给机器人，例如 /help。"
)
SANDBOX_AS_USAGE = "用法：/as 姓名，例如 /as 王芳"
SANDBOX_AS = "（沙盒）你现在是 {name}，在{chat}。"
SANDBOX_AS_STRANGER = (
    "（沙盒）你现在是「{name}」——不在花名册上的陌生人。可以试试 /start、/bind 绑定码。"
)
SANDBOX_AS_BOUND = "（沙盒）你现在是 {name}（已绑定为花名册上的 {person}），在{chat}。"
SANDBOX_AUTO_BIND = "（沙盒）{name} 还没有绑定，替你发送绑定码："
SANDBOX_CODES = "（沙盒）未绑定老师的绑定码："
SANDBOX_NO_CODES = "（沙盒）所有老师都已绑定。"
SANDBOX_IN = "（沙盒）现在在{chat}。"
SANDBOX_CLOCK = "（沙盒）现在时间：{now}"
SANDBOX_SCHEDULED = "（沙盒）{now} 定时消息："
SANDBOX_CLOCK_TOO_FAR = "（沙盒）一次最多移动 60 天。"
SANDBOX_CLOCK_USAGE = "用法：/clock +2d、/clock +3h、/clock +30m 或 /clock 2026-12-02 15:00"
SANDBOX_TAP_USAGE = (
    "用法：/tap 序号（本聊天最近一条消息有 {count} 个按钮）；"
    "/tap 2 1 按前一条消息的第 1 个按钮（可按最近 {messages} 条）")
SANDBOX_SKIPPED = "（沙盒）开始前已到期的 {count} 条定时消息（周报等）已发出，这里不再显示。"
SANDBOX_TRY = (
    "试试这些：\n"
    "  /as 刘洋  然后  写反思          —— 以老师身份写一份教学反思\n"
    "  /as 王芳  然后  /announce       —— 以教研组长身份发布教研通知\n"
    "  /in 语文组  然后  /clock 2026-12-02 15:00  —— 到教研那天，看提醒和签到\n"
    "  /as 陈主任  然后  /progress     —— 以教导处身份看全校进度")
SANDBOX_TAP_HINT = "   ← /tap 序号"
SANDBOX_GROUP_LABEL = "群「{name}」"
SANDBOX_PRIVATE_LABEL = "与{name}的私聊"
SANDBOX_MESSAGE = "── 研修助手 → {chat}{edited}"
SANDBOX_EDITED = "（修改了上一条）"
SANDBOX_NOTICE = "  （提示）{text}"
SANDBOX_ATTACHMENT = "  📎 {name}（{size} 字节）"

CLI_DESCRIPTION = "研修助手：学校校本研修的聊天机器人"
CLI_CONFIG_HELP = "配置文件路径（默认 config.toml，没有则用 config.example.toml）"
CLI_RUN = "运行机器人：设置了 YANXIU_BOT_TOKEN 则连接 Telegram，否则进入控制台沙盒"
CLI_PLATFORM = (
    "只在这个平台上运行（默认：配置了 [dingtalk] 和密钥就用钉钉，否则有令牌就用 Telegram）"
)
PLATFORM_NEEDS_TOKEN = "要在 Telegram 上运行，请先设置环境变量 {env}。"
DINGTALK_NEEDS = "要在钉钉上运行，还缺：{missing}。步骤见 README 的「在钉钉上运行」。"
CLI_WEBHOOK = "用 webhook 接收更新（在反向代理后部署）"
CLI_SANDBOX = "控制台沙盒：在终端里使用整个机器人"
CLI_MIGRATE = "把数据库结构升级到最新"
CLI_ROSTER = "花名册"
CLI_ROSTER_IMPORT = "导入花名册（CSV 或 XLSX）"
CLI_ROSTER_CODES = "列出并生成绑定码"
CLI_ROSTER_OUT = "同时写成 XLSX 文件"
CLI_CHECK = "检查配置文件"
CONFIG_OK = "配置文件 {path} 没有问题：{school}，{groups} 个教研组，{quotas} 项研修指标。"
MIGRATED = "数据库已升级到最新结构：{url}"
ROSTER_BAD = "花名册有 {count} 处问题，没有导入任何内容："
ROSTER_DONE = (
    "花名册已导入：新增 {added} 人，更新 {updated} 人，停用 {deactivated} 人，"
    "未变 {unchanged} 人。"
)
CODES_HEADER = "姓名\t教研组\t工号\t绑定码"
CODES_BOUND = "（已绑定）"
CODES_WRITTEN = "绑定码已写入 {path}"
CODES_SHEET = "绑定码"
CODES_TITLE = "{school}教师绑定码"
CODES_META = "每人一码，只能用一次；生成日期：{today:%Y年%m月%d日}"
CODES_COLUMNS = ("姓名", "教研组", "工号", "绑定码", "状态")
CODES_SCHOOL = "学校"  # issue 17: the first column when there are several schools
CODES_TITLE_DISTRICT = "{school}学区教师绑定码"
STARTING_TELEGRAM = "正在连接 Telegram（长轮询）……"
ANONYMOUS_ADMIN = ("您以「匿名管理员」身份发言，我无法知道您是谁，所以不能执行命令。"
                   "请在群设置里暂时关闭「保持匿名」后再发送。")
WEBHOOK_NEEDS = "webhook 模式需要配置 telegram.webhook_url，并设置环境变量 {env}。"
TOKEN_REJECTED = "Telegram 拒绝了环境变量 {env} 中的令牌，请向 @BotFather 核对后重新设置。"
ROSTER_UNREADABLE = "无法读取花名册 {path}：{reason}"
CODES_UNWRITABLE = "无法写入 {path}：{reason}"
DATABASE_UNREACHABLE = "无法打开数据库 {url}：{reason}"
CLI_ACTOR = "命令行"
CLI_EXPORT = "导出学期档案（XLSX 台账 + DOCX 记录，打包成 ZIP）"
CLI_EXPORT_SEMESTER = "学期名称（默认：当前学期）"
CLI_EXPORT_GROUP = "只导出这个教研组"
CLI_EXPORT_TEACHER = "只导出这位老师"
CLI_EXPORT_OUT = "输出文件夹"
CLI_SEMESTER = "学期：open 重新开放 / close 关闭（关闭后记录不能再修改）"
CLI_BACKUP = "备份数据库（SQLite；运行中也安全）"
CLI_BACKUP_OUT = "备份文件路径"
CLI_RESTORE = "把备份恢复到一个空数据库"
CLI_SEED = "为演示学校生成一个学期的模拟数据，写入沙盒的数据库（只用于沙盒和演示）"
EXPORTED = "档案已导出：{path}"
SEMESTER_CLOSED_OK = "学期「{name}」已关闭：记录不能再修改，学期总结会发给管理员。"
SEMESTER_OPENED_OK = "学期「{name}」已重新开放。"
SEMESTER_UNCHANGED = "学期「{name}」本来就是这个状态。"
NO_SUCH_SEMESTER = "没有名为「{name}」的学期（见配置文件的 [[semesters]]）。"
BACKUP_POSTGRES = (
    "PostgreSQL 请用 pg_dump 备份：pg_dump --format=custom --file=yanxiu.dump 数据库地址；"
    "恢复：pg_restore --no-owner --dbname=空数据库地址 yanxiu.dump（见 README）。"
)
BACKUP_NO_DATABASE = "找不到数据库文件 {path}"
BACKUP_DONE = "已备份到 {path}"
RESTORE_NOT_EMPTY = "{path} 里已经有数据，为免覆盖，只能恢复到空数据库。"
RESTORE_DONE = "已恢复到 {path}"
SEEDED = ("已生成演示数据：{records} 条记录，{sessions} 次教研，{lessons} 节公开课"
          "（数据库 {url}）。")
SEEDED_SCHOOLS = "已生成演示数据（数据库 {url}）："
SEEDED_SCHOOL = "  {school}：{records} 条记录，{sessions} 次教研，{lessons} 节公开课"
SEED_KEPT_SCHOOL = "  {school}：已有演示数据（{at:%Y-%m-%d %H:%M} 生成），未重复生成"
SEED_KEPT = ("{school}已有演示数据（{at:%Y-%m-%d %H:%M} 生成），未重复生成。"
             "要重新生成，请先删除数据库 {url}。")
SEED_KEPT_ALL = "每所学校都已有演示数据，未重复生成。要重新生成，请先删除数据库 {url}。"
# In the school's audit log (/audit): the demo, and its school's first day with the bot.
DEMO_AUDIT = "演示数据：{records} 条记录，{sessions} 次教研，{lessons} 节公开课"
DEMO_FIRST_DAY = "演示数据：学校从学期第一天起使用研修助手"

# Phrase pools for the bench's bulk records (bench/populate.py); the demo semester's
# content is bot/demo.toml.
DEMO_LESSONS = ("秋天的雨", "认识钟表", "圆的面积", "My family", "小数的意义", "找春天",
                "植物的一生", "分数的初步认识", "草船借箭", "观潮")
DEMO_BOOKS = ("《给教师的建议》", "《课堂观察》", "《学习共同体》", "《教学勇气》",
              "《义务教育课程标准（2022年版）》")
DEMO_PHRASES = (
    "学生在小组合作中表现积极，能够主动表达自己的想法。", "板书设计清晰，突出了本课的重点。",
    "导入环节联系生活实际，激发了学生的学习兴趣。", "个别学生对概念理解不透，需要课后辅导。",
    "提问的梯度还可以更合理，给学生留出思考的时间。", "练习设计分层，照顾到了不同层次的学生。",
    "朗读指导细致，学生读出了课文的情感。", "时间分配上前松后紧，拓展环节没有充分展开。",
    "评价语言具体，能够激励学生继续思考。", "下一次可以增加动手操作，让学生在做中学。",
)

# 钉钉 ---------------------------------------------------------------------------------------
STARTING_DINGTALK = "研修助手正在连接钉钉（Stream 模式）……"
DINGTALK_REJECTED = (
    "钉钉拒绝了应用凭证：请检查 config.toml 里 [dingtalk] 的 client_id（AppKey）"
    "和环境变量 {env}（AppSecret）。"
)
DINGTALK_UNREACHABLE = "连不上钉钉开放平台（{endpoint}）：{reason}"
DINGTALK_BOUND = "已按钉钉通讯录为您绑定花名册：<b>{name}</b>。"
DINGTALK_VOICE = "🎤 语音识别为：{text}\n如有错字，可以再发一次（表单里可发 /back 重填这一项）。"
DINGTALK_VOICE_EMPTY = "这条语音没有识别出文字，请再说一遍或打字。"
DINGTALK_FORGED = "这个按钮不是发给您的，或已经失效。"
DINGTALK_PRESSED = "已收到：{label}"
DINGTALK_CARD_TITLE = "研修助手"
DINGTALK_NO_BUTTONS = "（本月钉钉接口额度已用完，这条消息的按钮暂时无法显示，请联系教导处。）"
DINGTALK_BUDGET = (
    "钉钉接口调用本月已用 {used} 次，达到预算 {budget} 次的 {percent}%。"
    "预算用完后，群消息照常发送，私聊提醒会先停。"
)
# Words that mean a command in a group without its slash (@研修助手 进度).
DINGTALK_GROUP_WORDS = {
    "进度": "progress", "研修进度": "progress", "活动": "sessions", "教研活动": "sessions",
    "公开课": "lessons", "帮助": "help",
}

# -- issue 15b: one clock for the sandbox and the command line ----------------------------
CLI_SANDBOX_DATABASE = "使用沙盒的数据库（[sandbox] database_url）和沙盒时间"
SANDBOX_TIME_USED = "（沙盒数据库：按沙盒时间 {now} 计算）"

# A teacher bound on another platform (Telegram) who writes on 钉钉 for the first time.
DINGTALK_BOUND_TOO = (
    "已按钉钉通讯录把这个钉钉账号关联到花名册：<b>{name}</b>。"
    "今后的提醒发到您最近使用的平台，现在是钉钉。"
)
DINGTALK_MOVED_NOTICE = (
    "您的钉钉账号已关联到研修助手。今后的提醒发到您最近使用的平台，现在是钉钉；"
    "在这里再发一条消息，提醒就会改回这里。"
)

SANDBOX_FILE_USAGE = "用法：/file 文件路径（把这个文件发给机器人，像在手机上发文件一样）"
SANDBOX_FILE_MISSING = "（沙盒）读不到这个文件：{path}"
SANDBOX_FILE_SENT = "（沙盒）发送文件：{name}（{size} 字节）"
BACKUP_FILES = "附件 {count} 个已备份到 {path}"
RESTORE_FILES = "附件 {count} 个已恢复到 {path}"

# --- issue 17: one deployment for several schools ---
CLI_EXPORT_SCHOOL = "只导出这所学校（多校部署；不写则每校一个档案，另加学区汇总）"
EXPORT_NOT_DISTRICT = "--school 只用于多校部署（配置里有 [[schools]]）"
CONFIG_OK_DISTRICT = "配置文件 {path} 没有问题：{count} 所学校（中心校：{central}）。"
CONFIG_SCHOOL_LINE = "  {school}：{groups} 个教研组，{quotas} 项研修指标"
EXPORTED_SUMMARY = "学区汇总已导出：{path}"

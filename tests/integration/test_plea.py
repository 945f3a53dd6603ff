"""
test_plea.py: victims write sentences (SPEC §4), through the real daemon
on the shipped routing and hamlets: a plea without keyword, from a number
never seen, is a gbv report at once, alerted and answered as a BL report;
an everyday text full of the same words pages no one and waits for
review; the hamlet is found however it is written, and its contacts are
the ones alerted.
"""

from harness import REF_RE, check, eq

POLICE_T3 = "0911000003"
POLICE_T4 = "0911000004"
HEALTH_ALL = "0912000000"
VOLUNTEER_T3 = "0913000003"
LEADER_ALL = "0914000000"
CONTACTS = [
	("Cong an T3", POLICE_T3, "police", "T3", "sms"),
	("Cong an T4", POLICE_T4, "police", "T4", "sms"),
	("Tram y te", HEALTH_ALL, "health", "*", "sms"),
	("Tinh nguyen T3", VOLUNTEER_T3, "volunteer", "T3", "sms"),
	("Truong thon", LEADER_ALL, "leader", "*", "sms"),
]

# Pleas as residents write them (the issue's, which the old distress
# phrases missed), each from its own number.
PLEAS = [
	"Em bị chồng đánh, đang ở nhà mẹ đẻ thôn 3",
	"chồng em đánh em",
	"em bị bạo hành gia đình",
	"em bị cưỡng hiếp",
	"Con tôi bị hàng xóm xâm hại",
	"Có người đánh vợ ở xóm 4",
	"ck danh e",
	"chong dah em",
	"ck e đánh e bầm mặt",
	"em bị người yêu đánh",
	"bé gái nhà bên bị xâm hại",
	"cuu toi no dang cam dao",
	"chồng nhốt em trong phòng",
	"help chồng đang đánh em",
]

EVERYDAY = [
	"đánh giá cán bộ xã",
	"em đánh rơi ví ở chợ",
	"tối nay đánh cờ không",
	"mai đánh lúa sớm",
	"Đánh giá dịch vụ: tốt",
	"cho em hỏi danh sách hộ nghèo",
	"Anh Danh ơi mai họp thôn mấy giờ",
	"nhờ xã giúp em làm giấy khai sinh",
]


def alerted(d, ref):
	return sorted(o.get("event") for o in d.outbox() if o.get("ref") == ref)


def test_plea_pages_at_once(d):
	d.import_contacts(CONTACTS)
	bl = d.sms("bl-1", "0987100999", "BL")
	for i, text in enumerate(PLEAS):
		res = d.sms("p-%d" % i, "09871%05d" % i, text)
		ref = res.get("ref")
		check(isinstance(ref, str) and REF_RE.match(ref),
		    "%r paged no one (reply %r)" % (text, res.get("reply")))
		eq(res.get("reply"), bl["reply"].replace(bl["ref"], ref),
		    "the reply to %r, as to BL" % text)
		rows = [r for r in d.reports() if r.get("ref") == ref]
		eq(len(rows), 1, "reports for %r" % text)
		eq(rows[0].get("category"), "gbv", "category of %r" % text)
		check(len(alerted(d, ref)) >= 1 and set(alerted(d, ref)) ==
		    {"report.created"}, "%r: alerts %r" % (text, alerted(d, ref)))
	eq(len(d.reports()), len(PLEAS) + 1, "one report per plea")


def test_everyday_pages_no_one(d):
	d.import_contacts(CONTACTS)
	for i, text in enumerate(EVERYDAY):
		res = d.sms("e-%d" % i, "09872%05d" % i, text)
		eq(res.get("ref"), None, "%r filed a report" % text)
	eq(d.reports(), [], "reports from everyday texts")
	eq([o for o in d.outbox() if o.get("event", "").startswith("report.")],
	    [], "alerts from everyday texts")
	inbox = d.ctl_json("inbox")
	eq(len(inbox), len(EVERYDAY), "everyday texts waiting for review")


def test_plea_hamlet_alerts_its_contacts(d):
	"""The hamlet named anywhere, in any form: its police are alerted,
	not another hamlet's; a shelter request names it for the volunteer."""
	d.import_contacts(CONTACTS)
	cases = [
		("Em bị chồng đánh, đang ở nhà mẹ đẻ thôn 3", "T3", 2),
		("Có người đánh vợ ở xóm 4", "T4", 2),
		("bl xom 3", "T3", 2),
		("ck danh e o thon ba", "T3", 2),
		("BL Thôn 04", "T4", 2),
		("TC thon3", "T3", 1),
	]
	for i, (text, area, n) in enumerate(cases):
		ref = d.sms("h-%d" % i, "09873%05d" % i, text).get("ref")
		check(ref, "%r filed no report" % text)
		rows = [r for r in d.reports() if r.get("ref") == ref]
		eq(rows[0].get("area"), area, "area of %r" % text)
		# gbv: the hamlet's police and the health station (an unknown
		# area would reach only the station); TC: the hamlet's volunteer.
		eq(len(alerted(d, ref)), n, "alerts of %r" % text)

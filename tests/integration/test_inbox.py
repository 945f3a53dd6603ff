"""
test_inbox.py: the review list (SPEC §4, §7). A text without keyword
waits in `tincayctl inbox` until an operator files a report from it
(its alerts reach the contacts) or dismisses it; a purge never forgets a
text nobody has seen.
"""


from harness import case, check, eq
from sink import Sink

LIMITS = {"request_timeout_s": 2, "retry_base_ms": 100, "retry_max_s": 2}
POLICE = "0931000001"


@case({"allow_http": True, "limits": LIMITS})
def test_inbox_file_and_dismiss(d):
	with Sink() as sink:
		d.add_contact("Police", POLICE, "police", areas="*",
		    channel="webhook", url="%s/police" % sink.url)
		r = d.sms("in-1", "0987500001", "o nha co chuyen, goi lai cho em")
		eq(r.get("ref"), None, "an unknown text has no REF")
		d.sms("in-2", "0987500002", "cho hoi lich hop")
		rows = d.ctl_json("inbox")
		eq([x["text"] for x in rows], ["o nha co chuyen, goi lai cho em",
		    "cho hoi lich hop"], "inbox texts")
		check(all(set(x) >= {"id", "text", "received_at"} for x in rows),
		    "inbox rows: %r" % rows)
		first, second = rows[0]["id"], rows[1]["id"]

		for bad in (["inbox", "file", str(first), "violence"],
		    ["inbox", "file", str(first), "gbv", "T99"],
		    ["inbox", "file", "abc", "gbv"],
		    ["inbox", "dismiss", "999999"]):
			p = d.ctl(*bad, ok=False)
			eq(p.returncode, 1, "tincayctl %s: exit code" % " ".join(bad))
			check(p.stderr.strip(), "tincayctl %s: no message" %
			    " ".join(bad))

		out = d.ctl("inbox", "file", str(first), "gbv", "T3")
		out = out.stdout.decode()
		ref = out.split("report ")[1].split(",")[0].split(";")[0]
		got = sink.wait_for(1, "/police", lambda q: (q.json() or
		    {}).get("ref") == ref, 8)
		check(got, "no alert for the filed report %s: %r" % (ref, out))
		j = got[0].json()
		eq((j["event"], j["category"], j["area"], j["text"]),
		    ("report.created", "gbv", "T3",
		    "o nha co chuyen, goi lai cho em"), "the filed alert")
		eq([x["id"] for x in d.ctl_json("inbox")], [second],
		    "inbox after filing")
		eq(d.ctl("inbox", "file", str(first), "gbv", ok=False).returncode,
		    1, "filing twice")

		# An unseen text survives a purge; a dismissed one does not.
		d.ctl("purge", "--older-than", "0")
		eq([x["text"] for x in d.ctl_json("inbox")], ["cho hoi lich hop"],
		    "inbox after a purge")
		d.ctl("inbox", "dismiss", str(second))
		eq(d.ctl_json("inbox"), [], "inbox after dismissing")
		d.ctl("purge", "--older-than", "0")
		eq(d.sql("SELECT body FROM messages WHERE id = ?", second),
		    [(None,)], "the dismissed text after a purge")

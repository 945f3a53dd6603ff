/*
 * plea.c: whether a text without keyword tells of violence, abuse or
 * danger, or calls for help (SPEC §4). Victims write sentences: the words
 * are found wherever they stand, as people text them (ck, e, bj, dah,
 * doubled letters), and not inside an everyday phrase (đánh giá).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define PLEA_TOKENS	256	/* words of a text looked at, at most */
#define PLEA_WORDMAX	32	/* a longer word is no word of ours */
#define PLEA_PHRASEMAX	8	/* words in one phrase, at most */

/*
 * What a phrase found in a text means:
 *  STRONG	a plea wherever it stands (bạo lực, xâm hại, cứu);
 *  WEAK	a plea with a person or a blow around it: bị … đánh, đánh em,
 *		chồng … đánh, đánh … bầm; alone, đánh may be đánh trứng;
 *  HELP	giúp: a plea as giúp (em) với, or ending the text, unless
 *		the text asks about papers (giúp em làm giấy khai sinh);
 *  ALARM	khẩn cấp, nguy hiểm: a plea after a person, unless the text
 *		is an advert or asks about papers;
 *  FEAR	sợ: a plea ending the text right after em, tôi (… em sợ);
 *  NOT		an everyday phrase: what it covers is no plea (đánh giá);
 *  VETO	papers, adverts, money: giúp and khẩn cấp are no plea then;
 *  NEWS	news, films, the courts: nothing told of there is a plea;
 *  AD	adverts: nothing in them is a plea ("đập không vỡ, giá 199k");
 *  TOPIC	training, contests, the law: violence named as a subject;
 *  NAMED	a plea named as a subject (bạo lực, xâm hại): a plea unless
 *		the text is about a training, a contest or the law;
 *  FLEE	trốn: a plea unless the text names an animal (con chó … nó
 *		trốn đi);
 *  PASSIVE	a plea only after "bị" (bị … đi theo, bị … làm bậy);
 *  MARRY	lấy chồng, cưới: a plea when forced (bắt, ép, gả) or young;
 * giúp, khẩn cấp and sợ are no plea either in a text that holds an
 * everyday phrase (em đánh rơi ví, ai thấy nhắn giúp em với).
 */
enum plea_kind {
	PK_NOT, PK_VETO, PK_NEWS, PK_AD, PK_TOPIC, PK_STRONG, PK_NAMED,
	PK_FLEE, PK_WEAK, PK_PASSIVE, PK_MARRY, PK_HELP, PK_ALARM, PK_FEAR
};
#define PK_MARKS	PK_TOPIC	/* kinds up to it only mark a text */

/* Built-in phrases, written as plea_canon leaves words. */
static const struct {
	enum plea_kind	 kind;
	const char	*words;
} plea_builtin[] = {
	/* Violence and abuse told outright. */
	{ PK_NAMED, "bao luc" },		{ PK_STRONG, "hanh ha" },
	{ PK_STRONG, "danh dap" },		{ PK_STRONG, "hanh hung" },
	{ PK_STRONG, "danh nhau" },		{ PK_STRONG, "danh lon" },
	{ PK_STRONG, "danh ghen" },		{ PK_STRONG, "an don" },
	{ PK_STRONG, "danh ca con" },		{ PK_STRONG, "danh ca em" },
	{ PK_STRONG, "danh ca vo" },		{ PK_STRONG, "danh ca me" },
	{ PK_STRONG, "danh ca nha" },		{ PK_STRONG, "danh ca toi" },
	{ PK_STRONG, "danh ca chau" },		{ PK_STRONG, "danh ca be" },
	{ PK_NAMED, "bao hanh gia dinh" },	{ PK_STRONG, "bi bao hanh" },
	{ PK_NAMED, "cuong hiep" },		{ PK_NAMED, "hiep dam" },
	{ PK_NAMED, "xam hai" },		{ PK_NAMED, "sam hai" },
	{ PK_STRONG, "sam so" },		{ PK_STRONG, "xam so" },
	{ PK_STRONG, "xam xo" },		{ PK_STRONG, "sam xo" },
	{ PK_STRONG, "so mo" },			{ PK_STRONG, "dam o" },
	{ PK_NAMED, "quay roi" },		{ PK_STRONG, "ep quan he" },
	{ PK_STRONG, "ep lam chuyen" },		{ PK_STRONG, "cuong ep" },
	{ PK_STRONG, "lam chuyen do" },		{ PK_STRONG, "lam chuyen xau" },
	{ PK_STRONG, "dung cham" },		{ PK_STRONG, "loan luan" },
	{ PK_STRONG, "lam dung tinh duc" },	{ PK_STRONG, "bi lam dung" },
	{ PK_STRONG, "ep cuoi" },		{ PK_STRONG, "ep lay chong" },
	{ PK_STRONG, "ep lay vo" },		{ PK_NAMED, "tao hon" },
	{ PK_STRONG, "bat coc" },		{ PK_NAMED, "buon nguoi" },
	{ PK_NAMED, "buon ban nguoi" },	{ PK_NAMED, "mua ban nguoi" },
	{ PK_STRONG, "bi ban sang" },		{ PK_STRONG, "bi ban qua" },
	{ PK_STRONG, "bi ban roi" },		{ PK_STRONG, "ban em sang" },
	{ PK_STRONG, "ban toi sang" },		{ PK_STRONG, "ban em qua" },
	{ PK_STRONG, "ban nguoi sang" },	{ PK_STRONG, "ban ra nuoc ngoai" },
	{ PK_STRONG, "ban sang nuoc ngoai" },	{ PK_STRONG, "bien gioi" },
	{ PK_STRONG, "lua ban" },		{ PK_STRONG, "du do" },
	{ PK_STRONG, "bi du" },			{ PK_STRONG, "giat con" },
	{ PK_WEAK, "de doa" },			{ PK_STRONG, "ham doa" },
	{ PK_STRONG, "uy hiep" },
	{ PK_STRONG, "doa giet" },		{ PK_STRONG, "doa danh" },
	{ PK_STRONG, "doa chem" },		{ PK_STRONG, "doa dam" },
	{ PK_STRONG, "doa tat" },		{ PK_STRONG, "doa dot" },
	{ PK_STRONG, "bop co" },		{ PK_STRONG, "siet co" },
	{ PK_STRONG, "bop vu" },		{ PK_STRONG, "tat axit" },
	{ PK_STRONG, "tat a xit" },		{ PK_STRONG, "dam chem" },
	{ PK_STRONG, "chem giet" },		{ PK_STRONG, "giam long" },
	{ PK_STRONG, "giam cam" },		{ PK_STRONG, "lam nhuc" },
	{ PK_STRONG, "si nhuc" },		{ PK_STRONG, "chui boi" },
	{ PK_STRONG, "chui mang" },		{ PK_STRONG, "bat nat" },
	{ PK_STRONG, "vet bong" },		{ PK_STRONG, "vet bam" },
	{ PK_STRONG, "bong thuoc la" },		{ PK_STRONG, "di thuoc la" },
	{ PK_STRONG, "tuc tiu" },		{ PK_STRONG, "hinh bay" },
	{ PK_STRONG, "gui anh bay" },		{ PK_STRONG, "clip bay" },
	{ PK_STRONG, "chuyen bay ba" },		{ PK_STRONG, "cam rua" },
	{ PK_STRONG, "vac rua" },		{ PK_STRONG, "ma tau" },
	{ PK_STRONG, "xa beng" },		{ PK_STRONG, "dang nup" },
	{ PK_STRONG, "phai nup" },		{ PK_STRONG, "nup trong" },
	{ PK_STRONG, "la lang" },		{ PK_STRONG, "bi quat" },
	{ PK_STRONG, "quat con" },		{ PK_STRONG, "quat em" },
	{ PK_STRONG, "quat toi" },		{ PK_STRONG, "lay that lung" },
	{ PK_STRONG, "roi may" },		{ PK_STRONG, "lay roi" },
	{ PK_STRONG, "bat em ngu" },		{ PK_STRONG, "bat ngu voi" },
	{ PK_STRONG, "ngu voi no" },		{ PK_STRONG, "doi ngu voi" },
	{ PK_STRONG, "quay clip em" },		{ PK_STRONG, "quay len" },
	{ PK_STRONG, "tung len" },		{ PK_STRONG, "dang len mang" },
	{ PK_STRONG, "phat tan" },		{ PK_STRONG, "xich chan" },
	{ PK_STRONG, "xich tay" },		{ PK_STRONG, "xich lai" },
	{ PK_STRONG, "day troi" },		{ PK_STRONG, "troi lai" },
	{ PK_STRONG, "troi ba" },		{ PK_STRONG, "de em xuong" },
	{ PK_STRONG, "de toi xuong" },		{ PK_STRONG, "de xuong" },
	{ PK_STRONG, "khong dam ngu" },		{ PK_STRONG, "vach quan" },
	{ PK_STRONG, "doi hoi chuyen do" },	{ PK_STRONG, "chat tay" },
	{ PK_STRONG, "cho tron" },		{ PK_STRONG, "quan ao rach" },
	{ PK_STRONG, "anh khoa than" },		{ PK_STRONG, "khoa than" },
	{ PK_STRONG, "lam dau" },		{ PK_STRONG, "bat toi ve" },
	{ PK_STRONG, "bat em ve" },		{ PK_STRONG, "dien len roi" },
	{ PK_STRONG, "len con dien" },		{ PK_STRONG, "so mong" },
	{ PK_STRONG, "du con" },		{ PK_STRONG, "du em" },
	{ PK_STRONG, "du be" },			{ PK_STRONG, "lang vang" },
	{ PK_STRONG, "lam bay" },		{ PK_STRONG, "lam chuyen bay" },
	{ PK_WEAK, "xich" },			{ PK_WEAK, "chat" },
	{ PK_PASSIVE, "di theo" },		{ PK_PASSIVE, "bat" },
	{ PK_MARRY, "lay chong" },		{ PK_MARRY, "cuoi" },
	{ PK_STRONG, "ga cho mot" },		{ PK_STRONG, "ga cho ong" },
	{ PK_STRONG, "ga no cho" },
	{ PK_STRONG, "bi danh" },		{ PK_STRONG, "danh hoi dong" },
	{ PK_STRONG, "so soang" },		{ PK_STRONG, "so nguc" },
	{ PK_STRONG, "so vu" },			{ PK_STRONG, "khoc thet" },
	{ PK_STRONG, "khoa trai" },		{ PK_STRONG, "bat cuoi" },
	{ PK_STRONG, "bat quy" },		{ PK_STRONG, "bat toi quy" },
	{ PK_STRONG, "bat em quy" },		{ PK_STRONG, "khong cho vo" },
	{ PK_STRONG, "bat toi ra" },		{ PK_STRONG, "bat em ra" },
	{ PK_STRONG, "doa bat" },		{ PK_STRONG, "bat con di" },
	{ PK_STRONG, "bat con luon" },		{ PK_STRONG, "khong cho gap con" },
	{ PK_STRONG, "khong cho toi gap con" },
	{ PK_STRONG, "khong cho em gap con" },
	{ PK_STRONG, "giu het tien" },		{ PK_STRONG, "giu het luong" },
	{ PK_STRONG, "lay het tien" },		{ PK_STRONG, "khong dua tien" },
	{ PK_STRONG, "khong cho tien" },	{ PK_STRONG, "khong co gao" },
	{ PK_STRONG, "khong co hot gao" },	{ PK_STRONG, "doi may bua" },
	{ PK_STRONG, "doi khoc" },		{ PK_STRONG, "cu theo em" },
	{ PK_STRONG, "theo em ve" },		{ PK_STRONG, "bam theo" },
	{ PK_STRONG, "rinh ngoai" },		{ PK_STRONG, "dung rinh" },
	{ PK_STRONG, "rinh rap" },		{ PK_STRONG, "di theo em" },
	{ PK_STRONG, "bam theo em" },		{ PK_STRONG, "bat em lay chong" },
	{ PK_STRONG, "bat lay chong" },		{ PK_STRONG, "bat em cuoi" },
	{ PK_STRONG, "anh nong" },		{ PK_STRONG, "clip nong" },
	{ PK_STRONG, "tung anh" },		{ PK_STRONG, "tung clip" },
	{ PK_STRONG, "giup gap" },		{ PK_STRONG, "giup do gap" },
	{ PK_STRONG, "em can giup" },		{ PK_STRONG, "toi can giup" },
	{ PK_STRONG, "minh can giup" },		{ PK_STRONG, "can nguoi giup em" },
	{ PK_STRONG, "bi bo doi" },		{ PK_STRONG, "bo doi em" },		{ PK_STRONG, "bo doi con" },
	{ PK_STRONG, "bo doi me con" },		{ PK_STRONG, "bi troi" },
	{ PK_STRONG, "troi em" },		{ PK_STRONG, "troi tay" },
	{ PK_STRONG, "dap pha" },		{ PK_STRONG, "la that thanh" },
	{ PK_STRONG, "dot luon" },		{ PK_STRONG, "dot quan ao" },
	{ PK_STRONG, "danh da man" },		{ PK_STRONG, "dap da man" },
	{ PK_STRONG, "tat da man" },		{ PK_STRONG, "hanh ha da man" },
	{ PK_STRONG, "doi bai" },		{ PK_STRONG, "gio tro" },
	{ PK_STRONG, "cuong buc" },		{ PK_STRONG, "bit mieng" },
	{ PK_STRONG, "len vao phong" },		{ PK_STRONG, "xong vao phong" },
	{ PK_STRONG, "xong vao nha" },		{ PK_STRONG, "rinh em" },
	{ PK_STRONG, "la het" },		{ PK_STRONG, "keu la" },
	{ PK_STRONG, "dau doc" },		{ PK_STRONG, "bo thuoc doc" },
	{ PK_STRONG, "chet chung" },		{ PK_STRONG, "giet ca nha" },
	{ PK_STRONG, "tat nuoc soi" },		{ PK_STRONG, "tat dau soi" },
	{ PK_STRONG, "tat xang" },		{ PK_STRONG, "dot nha" },
	{ PK_STRONG, "dot ca nha" },		{ PK_STRONG, "dot cai nha" },
	{ PK_STRONG, "tan thuoc vao" },		{ PK_STRONG, "da vao bung" },
	{ PK_STRONG, "da vao nguoi" },		{ PK_STRONG, "da vao mat" },
	{ PK_STRONG, "da vao lung" },		{ PK_STRONG, "dap vao bung" },
	{ PK_STRONG, "nhin doi" },		{ PK_STRONG, "bo doi may ngay" },
	{ PK_STRONG, "doi 2 ngay" },		{ PK_STRONG, "doi 3 ngay" },
	{ PK_STRONG, "doi hai ngay" },		{ PK_STRONG, "doi ba ngay" },
	{ PK_STRONG, "doi may ngay" },		{ PK_STRONG, "doi ca ngay" },
	{ PK_STRONG, "khong co gi an" },	{ PK_STRONG, "khong cho an" },
	{ PK_STRONG, "khong cho em an" },	{ PK_STRONG, "khong cho con bu" },
	{ PK_STRONG, "khong cho em ra" },	{ PK_STRONG, "khong cho toi ra" },
	{ PK_STRONG, "khong cho minh ra" },	{ PK_STRONG, "khong cho ra" },
	{ PK_STRONG, "khong cho em ve" },	{ PK_STRONG, "khong cho em di" },
	{ PK_STRONG, "khong cho me con" },	{ PK_STRONG, "giu em trong" },
	{ PK_STRONG, "giu trong phong" },	{ PK_STRONG, "giu em lai" },
	{ PK_STRONG, "duoi ra khoi nha" },	{ PK_STRONG, "duoi khoi nha" },
	{ PK_STRONG, "duoi ra duong" },		{ PK_STRONG, "duoi ra ngoai" },
	{ PK_STRONG, "khong cho ra khoi nha" },
	{ PK_STRONG, "khong cho ra ngoai" },	{ PK_STRONG, "khong cho ve" },
	{ PK_STRONG, "dap do" },		{ PK_WEAK, "dap vo" },
	{ PK_STRONG, "nem do" },		{ PK_STRONG, "xo nga" },
	{ PK_STRONG, "day nga" },		{ PK_STRONG, "dap nga" },
	/* Weapons and wounds. */
	{ PK_STRONG, "cam dao" },		{ PK_STRONG, "vac dao" },
	{ PK_STRONG, "xach dao" },		{ PK_STRONG, "dung dao" },
	{ PK_STRONG, "ke dao" },		{ PK_STRONG, "bang dao" },
	{ PK_STRONG, "rut dao" },		{ PK_STRONG, "mang dao" },
	{ PK_STRONG, "cam gay" },		{ PK_STRONG, "cam bua" },
	{ PK_STRONG, "cam sung" },		{ PK_STRONG, "cam keo" },
	{ PK_STRONG, "bam tim" },		{ PK_STRONG, "bam dap" },
	{ PK_STRONG, "chay mau" },		{ PK_STRONG, "bi thuong" },
	{ PK_STRONG, "gay tay" },		{ PK_STRONG, "gay chan" },
	{ PK_STRONG, "gay xuong" },		{ PK_STRONG, "bat tinh" },
	{ PK_STRONG, "vo dau" },
	/* Calls for help, fear, flight, despair. */
	{ PK_STRONG, "cuu" },			{ PK_STRONG, "keu cuu" },
	{ PK_STRONG, "sos" },			{ PK_STRONG, "help me" },
	{ PK_STRONG, "help em" },		{ PK_STRONG, "help toi" },
	{ PK_STRONG, "so qua" },		{ PK_STRONG, "so lam" },
	{ PK_STRONG, "so hai" },		{ PK_STRONG, "hoang so" },
	{ PK_STRONG, "so chet" },		{ PK_STRONG, "rat so" },
	{ PK_STRONG, "khong dam ve" },		{ PK_STRONG, "khong dam o nha" },
	{ PK_FLEE, "bo tron" },		{ PK_FLEE, "chay tron" },
	{ PK_FLEE, "dang tron" },		{ PK_FLEE, "phai tron" },
	{ PK_FLEE, "di tron" },		{ PK_FLEE, "tron di" },
	{ PK_FLEE, "tron khoi" },		{ PK_FLEE, "tron ra" },
	{ PK_FLEE, "tron sang" },		{ PK_FLEE, "tron ve" },
	{ PK_FLEE, "tron vao" },		{ PK_FLEE, "tron o" },
	{ PK_FLEE, "tron trong" },		{ PK_FLEE, "tron chong" },
	{ PK_STRONG, "gap nguy hiem" },		{ PK_STRONG, "muon chet" },
	{ PK_STRONG, "tu tu" },			{ PK_STRONG, "tu sat" },
	{ PK_STRONG, "uong thuoc sau" },	{ PK_STRONG, "treo co" },
	{ PK_STRONG, "nhay song" },
	/* Blows and abuse that need a person around them. */
	{ PK_WEAK, "danh" },	{ PK_WEAK, "dap" },	{ PK_WEAK, "tat" },
	{ PK_WEAK, "dam" },	{ PK_WEAK, "chem" },	{ PK_WEAK, "giet" },
	{ PK_WEAK, "doa" },	{ PK_WEAK, "chui" },	{ PK_WEAK, "dot" },
	{ PK_WEAK, "nhot" },	{ PK_WEAK, "duoi" },	{ PK_WEAK, "bop" },
	{ PK_WEAK, "hiep" },	{ PK_WEAK, "ep" },	{ PK_WEAK, "xo" },
	{ PK_WEAK, "bao hanh" },
	{ PK_WEAK, "lam dung" },	{ PK_WEAK, "keo" },
	{ PK_WEAK, "ruot" },		{ PK_WEAK, "theo doi" },
	{ PK_HELP, "giup" },		{ PK_FEAR, "so" },
	{ PK_ALARM, "khan cap" },	{ PK_ALARM, "nguy hiem" },
	/* Everyday phrases. */
	{ PK_NOT, "danh gia" },		{ PK_NOT, "danh rang" },
	{ PK_NOT, "danh roi" },		{ PK_NOT, "danh bai" },
	{ PK_NOT, "danh may" },		{ PK_NOT, "danh thuc" },
	{ PK_NOT, "danh ca" },		{ PK_NOT, "danh van" },
	{ PK_NOT, "danh cau" },		{ PK_NOT, "danh co" },
	{ PK_NOT, "danh lua" },		{ PK_NOT, "danh bong" },
	{ PK_NOT, "danh dau" },		{ PK_NOT, "danh so" },
	{ PK_NOT, "danh sach" },	{ PK_NOT, "danh ba" },
	{ PK_NOT, "danh hieu" },	{ PK_NOT, "danh tieng" },
	{ PK_NOT, "danh thiep" },	{ PK_NOT, "danh muc" },
	{ PK_NOT, "danh nghia" },	{ PK_NOT, "danh du" },
	{ PK_NOT, "danh tinh" },	{ PK_NOT, "danh lam" },
	{ PK_NOT, "danh nhan" },	{ PK_NOT, "danh phan" },
	{ PK_NOT, "danh vong" },	{ PK_NOT, "danh trong" },
	{ PK_NOT, "danh dan" },		{ PK_NOT, "danh bac" },
	{ PK_NOT, "danh de" },		{ PK_NOT, "danh lo" },
	{ PK_NOT, "danh cuoc" },	{ PK_NOT, "danh doi" },
	{ PK_NOT, "danh chen" },	{ PK_NOT, "danh lieu" },
	{ PK_NOT, "danh mat" },		{ PK_NOT, "danh thue" },
	{ PK_NOT, "danh trung" },	{ PK_NOT, "danh son" },
	{ PK_NOT, "danh giay" },	{ PK_NOT, "danh dien" },
	{ PK_NOT, "danh bat" },		{ PK_NOT, "danh luoi" },
	{ PK_NOT, "danh vay" },		{ PK_NOT, "danh thuoc" },
	{ PK_NOT, "danh golf" },	{ PK_NOT, "danh tennis" },
	{ PK_NOT, "danh bida" },	{ PK_NOT, "danh bi" },
	{ PK_NOT, "danh tran" },	{ PK_NOT, "danh giac" },
	{ PK_NOT, "danh vat" },
	{ PK_NOT, "danh dong" },	{ PK_NOT, "danh chuong" },
	{ PK_NOT, "danh xe" },		{ PK_NOT, "danh cap" },
	{ PK_NOT, "danh hoi" },		{ PK_NOT, "danh chu" },
	{ PK_NOT, "danh quay" },	{ PK_NOT, "danh kem" },
	{ PK_NOT, "danh keng" },	{ PK_NOT, "danh mo" },
	{ PK_NOT, "danh cong" },	{ PK_NOT, "danh tin" },
	{ PK_NOT, "danh nhip" },	{ PK_NOT, "danh phen" },
	{ PK_NOT, "danh da" },		{ PK_NOT, "danh dom" },
	{ PK_NOT, "dap xe" },		{ PK_NOT, "dap an" },
	{ PK_NOT, "dap ung" },		{ PK_NOT, "dap lua" },
	{ PK_NOT, "dap nuoc" },		{ PK_NOT, "dap tran" },
	{ PK_NOT, "dap thuy" },		{ PK_NOT, "dap le" },
	{ PK_NOT, "dap tra" },		{ PK_NOT, "dap tu" },
	{ PK_NOT, "tat ca" },		{ PK_NOT, "tat den" },
	{ PK_NOT, "tat may" },		{ PK_NOT, "tat dien" },
	{ PK_NOT, "tat nuoc" },		{ PK_NOT, "tat nhien" },
	{ PK_NOT, "tat bat" },		{ PK_NOT, "tat nien" },
	{ PK_NOT, "tat thay" },		{ PK_NOT, "tat yeu" },
	{ PK_NOT, "tat bep" },		{ PK_NOT, "tat quat" },
	{ PK_NOT, "tat tivi" },		{ PK_NOT, "tat ti vi" },
	{ PK_NOT, "tat nguon" },	{ PK_NOT, "tat dien thoai" },
	{ PK_NOT, "tat tieng" },	{ PK_NOT, "tat loa" },
	{ PK_NOT, "tat mang" },		{ PK_NOT, "tat lua" },
	{ PK_NOT, "tat ta" },		{ PK_NOT, "tat bao thuc" },
	{ PK_NOT, "dam cuoi" },		{ PK_NOT, "dam ma" },
	{ PK_NOT, "dam gio" },		{ PK_NOT, "dam dong" },
	{ PK_NOT, "dam bao" },		{ PK_NOT, "dam me" },
	{ PK_NOT, "dam nhan" },		{ PK_NOT, "dam phan" },
	{ PK_NOT, "dam thoai" },	{ PK_NOT, "dam tang" },
	{ PK_NOT, "dam chay" },		{ PK_NOT, "dam hoi" },
	{ PK_NOT, "dam lay" },		{ PK_NOT, "dam sen" },
	{ PK_NOT, "dam da" },		{ PK_NOT, "dam nhiem" },
	{ PK_NOT, "dam dang" },		{ PK_NOT, "dam bac" },
	{ PK_NOT, "dam tiec" },		{ PK_NOT, "chem gio" },
	{ PK_NOT, "giet thoi gian" },	{ PK_NOT, "giet sau" },
	{ PK_NOT, "giet chuot" },	{ PK_NOT, "giet muoi" },
	{ PK_NOT, "giet ruoi" },	{ PK_NOT, "giet gian" },
	{ PK_NOT, "giet moi" },		{ PK_NOT, "doa hoa" },
	{ PK_NOT, "chui vao" },		{ PK_NOT, "chui ra" },
	{ PK_NOT, "chui qua" },		{ PK_NOT, "chui xuong" },
	{ PK_NOT, "dot rac" },		{ PK_NOT, "dot vang" },
	{ PK_NOT, "dot nhang" },	{ PK_NOT, "dot huong" },
	{ PK_NOT, "dot den" },		{ PK_NOT, "dot la" },
	{ PK_NOT, "dot phao" },		{ PK_NOT, "dot bien" },
	{ PK_NOT, "dot xuat" },		{ PK_NOT, "dot ngot" },
	{ PK_NOT, "dot pha" },		{ PK_NOT, "dot quy" },
	{ PK_NOT, "dot rom" },		{ PK_NOT, "nhot ga" },
	{ PK_NOT, "nhot lon" },		{ PK_NOT, "nhot cho" },
	{ PK_NOT, "nhot vit" },		{ PK_NOT, "nhot trau" },
	{ PK_NOT, "duoi ga" },
	{ PK_NOT, "duoi cho" },		{ PK_NOT, "duoi chuot" },
	{ PK_NOT, "duoi kip" },		{ PK_NOT, "bop chan" },
	{ PK_NOT, "bop vai" },		{ PK_NOT, "bop lung" },
	{ PK_NOT, "bop dau" },		{ PK_NOT, "bop tay" },
	{ PK_NOT, "bop coi" },		{ PK_NOT, "bop phanh" },
	{ PK_NOT, "hiep hoi" },		{ PK_NOT, "hiep si" },
	{ PK_NOT, "hiep dinh" },	{ PK_NOT, "hiep thuong" },
	{ PK_NOT, "hiep dong" },	{ PK_NOT, "hiep luc" },
	{ PK_NOT, "hiep 1" },		{ PK_NOT, "hiep 2" },
	{ PK_NOT, "hiep mot" },		{ PK_NOT, "hiep hai" },
	{ PK_NOT, "ep nuoc" },		{ PK_NOT, "ep mia" },
	{ PK_NOT, "ep gia" },		{ PK_NOT, "ep can" },
	{ PK_NOT, "ep toc" },		{ PK_NOT, "ep dau" },
	{ PK_NOT, "ep nhua" },		{ PK_NOT, "ep plastic" },
	{ PK_NOT, "xo so" },		{ PK_NOT, "xo nuoc" },
	{ PK_NOT, "bao hanh dien thoai" },
	{ PK_NOT, "nghien cuu" },	{ PK_NOT, "cuu long" },
	{ PK_NOT, "thit cuu" },		{ PK_NOT, "con cuu" },
	{ PK_NOT, "nuoi cuu" },		{ PK_NOT, "cuu tro" },
	{ PK_NOT, "cuu chien binh" },	{ PK_NOT, "cap cuu" },
	{ PK_NOT, "cuu thuong" },	{ PK_NOT, "cuu hoa" },
	{ PK_NOT, "cuu ho" },		{ PK_NOT, "cuu can bo" },
	{ PK_NOT, "cuu hoc sinh" },	{ PK_NOT, "cuu sinh vien" },
	{ PK_NOT, "cuu giao vien" },	{ PK_NOT, "cuu thanh nien" },
	{ PK_NOT, "cuu chu tich" },	{ PK_NOT, "cuu the" },
	{ PK_NOT, "chay mau cam" },	{ PK_NOT, "so qua tang" },
	{ PK_NOT, "quay roi qua" },	{ PK_NOT, "quang cao quay roi" },
	{ PK_NOT, "cuoc goi quay roi" },	{ PK_NOT, "tin nhan quay roi" },
	{ PK_NOT, "ve bao luc" },	{ PK_NOT, "bao bao luc" },
	{ PK_NOT, "phong chong bao luc" },	{ PK_NOT, "phong chong xam hai" },
	{ PK_NOT, "phong chong bao hanh" },	{ PK_NOT, "chong bao luc gioi" },
	{ PK_NOT, "ve xam hai" },	{ PK_NOT, "danh chuot" },
	{ PK_NOT, "dap heo" },		{ PK_NOT, "dap da" },
	{ PK_NOT, "ep deo" },		{ PK_NOT, "thi keo co" },
	{ PK_NOT, "choi keo co" },	{ PK_NOT, "giai keo co" },
	{ PK_NOT, "keo dai" },		{ PK_NOT, "keo theo" },
	{ PK_NOT, "keo xe" },		{ PK_NOT, "keo luoi" },
	{ PK_NOT, "ruot duoi" },	{ PK_NOT, "dap vo cai" },
	{ PK_NOT, "dap vo chen" },	{ PK_NOT, "dap vo bat" },
	{ PK_NOT, "dap vo ly" },	{ PK_NOT, "dap vo coc" },
	{ PK_NOT, "dap vo kinh" },	{ PK_NOT, "dap vo trung" },	{ PK_NOT, "khuyet tat" },
	{ PK_NOT, "so ma" },		{ PK_NOT, "chat cay" },
	{ PK_NOT, "chat cui" },		{ PK_NOT, "chat go" },
	{ PK_NOT, "chat chuoi" },	{ PK_NOT, "chat thit" },
	{ PK_NOT, "ruot thua" },	{ PK_NOT, "bi bat" },	{ PK_NOT, "bi danh gia" },
	{ PK_NOT, "bi danh thue" },	{ PK_NOT, "bi danh bai" },
	{ PK_NOT, "bi danh thuc" },	{ PK_NOT, "bi danh roi" },
	{ PK_NOT, "bi danh mat" },	{ PK_NOT, "bi danh dau" },
	{ PK_NOT, "bi danh so" },	{ PK_NOT, "bi danh cap" },
	{ PK_NOT, "bi danh bat" },	{ PK_NOT, "dam lung" },
	{ PK_NOT, "dam bop" },		{ PK_NOT, "duoi chim" },
	{ PK_NOT, "dap toi phi" },	{ PK_NOT, "toi phi" },
	{ PK_NOT, "xe dap" },		{ PK_NOT, "dap dien" },
	{ PK_NOT, "mia ep" },		{ PK_NOT, "nuoc ep" },
	{ PK_NOT, "tat tv" },		{ PK_NOT, "ong dot" },
	{ PK_NOT, "kien dot" },		{ PK_NOT, "muoi dot" },	{ PK_NOT, "danh rom" },
	{ PK_NOT, "cuu doi" },		{ PK_NOT, "cuu lut" },
	{ PK_NOT, "cuu nan" },		{ PK_NOT, "ngoai dam" },
	{ PK_NOT, "chay mau chan" },	{ PK_NOT, "chay mau nuou" },
	{ PK_NOT, "da giup" },		{ PK_NOT, "bo tron hoc" },
	{ PK_NOT, "tron hoc" },		{ PK_NOT, "tron thue" },
	{ PK_NOT, "tron no" },		{ PK_NOT, "tron viec" },	{ PK_NOT, "theo doi suc khoe" },
	/* Papers, adverts and money. */
	{ PK_VETO, "thu tuc" },		{ PK_VETO, "dang ky" },
	{ PK_VETO, "mau don" },		{ PK_VETO, "trung thuong" },
	{ PK_VETO, "giay to" },		{ PK_VETO, "khai sinh" },
	{ PK_VETO, "ho so" },		{ PK_VETO, "so do" },
	{ PK_VETO, "can cuoc" },	{ PK_VETO, "cccd" },
	{ PK_VETO, "bao hiem" },	{ PK_VETO, "hoc phi" },
	{ PK_VETO, "tien dien" },	{ PK_VETO, "tien nuoc" },
	{ PK_VETO, "khuyen mai" },	{ PK_VETO, "link" },
	{ PK_VETO, "http" },		{ PK_VETO, "www" },
	{ PK_VETO, "com" },		{ PK_VETO, "vay von" },
	{ PK_VETO, "vay tien" },	{ PK_VETO, "lai suat" },
	{ PK_VETO, "tai khoan" },	{ PK_VETO, "ngan hang" },
	{ PK_VETO, "nap tien" },	{ PK_VETO, "cho hoi" },
	{ PK_VETO, "cho em hoi" },	{ PK_VETO, "cho toi hoi" },
	{ PK_VETO, "cho minh hoi" },	{ PK_VETO, "xin hoi" },
	{ PK_VETO, "lam giay" },	{ PK_VETO, "xac nhan" },
	{ PK_VETO, "sat lo" },		{ PK_VETO, "lu lut" },
	{ PK_VETO, "ngap" },		{ PK_VETO, "qua tang" },
	{ PK_VETO, "gia re" },		{ PK_VETO, "sale" },
	{ PK_VETO, "giam gia" },	{ PK_VETO, "mua ngay" },
	{ PK_VETO, "lien he" },		{ PK_VETO, "hotline" },
	{ PK_VETO, "ship" },		{ PK_VETO, "dat hang" },
	{ PK_VETO, "zalo" },		{ PK_VETO, "giao hang" },
	{ PK_VETO, "bi hu" },		{ PK_VETO, "xe hu" },
	{ PK_NEWS, "dua tin" },		{ PK_NEWS, "tren bao" },
	{ PK_NEWS, "doc bao" },		{ PK_NEWS, "xem bao" },
	{ PK_NEWS, "tren tivi" },	{ PK_NEWS, "tren tv" },
	{ PK_NEWS, "toa xu" },		{ PK_NEWS, "xet xu" },
	{ PK_NEWS, "bo phim" },		{ PK_NEWS, "xem phim" },
	{ PK_NEWS, "phim" },		{ PK_AD, "giao hang" },
	{ PK_AD, "gia chi" },		{ PK_AD, "mien phi" },
	{ PK_AD, "gia re" },		{ PK_AD, "sale" },
	{ PK_AD, "giam gia" },		{ PK_AD, "khuyen mai" },
	{ PK_AD, "mua ngay" },		{ PK_AD, "sieu ben" },
	{ PK_TOPIC, "tuyen truyen" },	{ PK_TOPIC, "truyen thong" },
	{ PK_TOPIC, "tap huan" },	{ PK_TOPIC, "hoi thi" },
	{ PK_TOPIC, "cuoc thi" },	{ PK_TOPIC, "phong chong" },
	{ PK_TOPIC, "phong ngua" },	{ PK_TOPIC, "noi khong voi" },
	{ PK_TOPIC, "hoi thao" },	{ PK_TOPIC, "chuyen de" },
	{ PK_TOPIC, "luat" },		{ PK_TOPIC, "nghi dinh" },
	{ PK_TOPIC, "moi ba con" },	{ PK_TOPIC, "hoi nghi" },
	{ PK_TOPIC, "tham du" },
};

/*
 * SMS spellings and their words: the text's word on the left becomes the
 * right one before any phrase is looked up. Sorted by the left column.
 */
static const struct {
	const char	*sms;
	const char	*word;
} plea_canon_tab[] = {
	{ "bij", "bi" },	{ "bj", "bi" },		{ "bn", "ban" },
	{ "chg", "chong" },	{ "chog", "chong" },	{ "ck", "chong" },
	{ "ckg", "chong" },	{ "ckong", "chong" },	{ "cku", "chu" },
	{ "dag", "dang" },	{ "dah", "danh" },	{ "dak", "danh" },
	{ "dc", "duoc" },
	{ "dnah", "danh" },	{ "dnh", "danh" },	{ "dum", "giup" },
	{ "e", "em" },
	{ "giub", "giup" },	{ "gium", "giup" },	{ "hjep", "hiep" },	{ "hok", "khong" },
	{ "j", "gi" },
	{ "jub", "giup" },	{ "jup", "giup" },	{ "k", "khong" },
	{ "kg", "khong" },	{ "kh", "khong" },	{ "khg", "khong" },
	{ "ko", "khong" },	{ "kuu", "cuu" },	{ "mik", "minh" },
	{ "mjk", "minh" },	{ "mjnh", "minh" },	{ "mk", "minh" },
	{ "ng", "nguoi" },	{ "ngta", "nguoi" },	{ "qa", "qua" },
	{ "t", "toi" },		{ "tao", "toi" },	{ "thg", "thang" },
	{ "toy", "toi" },
	{ "tui", "toi" },	{ "vk", "vo" },		{ "voj", "voi" },
	{ "vs", "voi" },	{ "wa", "qua" },	{ "zoi", "voi" },
	{ "zup", "giup" },
};

/* Word sets, sorted. */
static const char *const plea_person[] = {	/* who is hit */
	"anh", "ba", "bac", "ban", "be", "bo", "cha", "chau", "chi",
	"chong", "chu", "co", "con", "dua", "duong", "em", "gai", "han",
	"me", "minh", "nguoi", "nhoc", "no", "ny", "ong", "thang", "thim",
	"toi", "tre", "vo",
};
static const char *const plea_striker[] = {	/* who hits */
	"anh", "ba", "bac", "bo", "cau", "cha", "chong", "chu", "duong",
	"han", "ma", "me", "nguoi", "no", "ny", "ong", "thang", "thim", "vo",
};
static const char *const plea_blow[] = {	/* what follows a blow */
	"bam", "bung", "chan", "chay", "chet", "co", "dap", "dau", "du",
	"gay", "hoai", "lien", "lung", "mat", "mieng", "mui", "nga", "nguc",
	"nhu", "nua", "sml", "suot", "tan", "tay", "tham", "thuong", "tim",
	"toi", "vao", "vo",
};
static const char *const plea_self[] = {	/* the one who writes */
	"chau", "em", "minh", "toi",
};
static const char *const plea_animal[] = {	/* con mèo bị nhốt */
	"chim", "cho", "chuot", "ga", "heo", "meo", "muoi", "ran", "ruoi",
	"trau", "vit",
};
static const char *const plea_counter[] = {	/* mấy con gà */
	"cac", "con", "dan", "may", "nhung",
};
static const char *const plea_hazard[] = {	/* đường trơn nguy hiểm */
	"bao", "cau", "dien", "duong", "lu", "mua", "ngap", "nuoc", "ran",
	"song", "tron", "xe",
};
static const char *const plea_particle[] = {	/* after the last word */
	"a", "lam", "oi", "qua", "roi", "that",
};
static const char *const plea_filler[] = {	/* skipped after a blow */
	"ca", "cho", "den", "lai", "luon", "ngay", "rat", "roi", "that",
	"thay",
};

/* One phrase, its words as plea_canon leaves them. */
struct plea_phrase {
	const char	*w[PLEA_PHRASEMAX];
	size_t		 n;
	enum plea_kind	 kind;
};

/* The phrases that begin with one word: ph[lo, two) are of that word
 * alone, ph[two, hi) longer, by second word. */
struct plea_head {
	const char	*w;
	size_t		 lo, two, hi;
};

#define PLEA_HASH	2048	/* slots of the heads' table, a power of 2 */

struct plea {
	struct plea_phrase	*ph;	/* plea_phrase_cmp's order */
	size_t			 nph;
	struct plea_head	*head;	/* one per first word, sorted */
	size_t			 nhead;
	/* The heads by their word's hash, open addressing: an index + 1
	 * into head, 0 for an empty slot. */
	unsigned short		 slot[PLEA_HASH];
	char			*words;	/* the phrases' words, one buffer */
	/* The words that words typed without a space split into
	 * (chồngđánh), sorted. */
	const char		**known;
	size_t			 nknown;
};

static int
plea_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
plea_in(const char *const *set, size_t n, const char *w)
{
	return bsearch(&w, set, n, sizeof(*set), plea_strcmp) != NULL;
}

#define PLEA_IN(set, w)	plea_in((set), nitems(set), (w))

/* The word an SMS spelling stands for, or NULL. */
static const char *
plea_canon_find(const char *w)
{
	size_t	 lo = 0, hi = nitems(plea_canon_tab), mid;
	int	 c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(w, plea_canon_tab[mid].sms)) == 0)
			return plea_canon_tab[mid].word;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * A word as the phrases are written: an SMS spelling becomes its word;
 * letters doubled for stress are taken once (cuuuu, giupp, danhhh), and
 * "cu" so squeezed is cứu. w is rewritten in place; the result is w or a
 * constant.
 */
static const char *
plea_canon(char *w)
{
	const char	*c;
	char		*r, *o;
	int		 doubled = 0;

	if ((c = plea_canon_find(w)) != NULL)
		return c;
	for (r = w; r[0] != '\0'; r++)
		if (r[1] == r[0] && !(r[0] >= '0' && r[0] <= '9'))
			doubled = 1;
	if (!doubled)
		return w;
	for (r = o = w; *r != '\0'; r++)
		if (o == w || o[-1] != *r || (*r >= '0' && *r <= '9'))
			*o++ = *r;
	*o = '\0';
	if (strcmp(w, "cu") == 0)
		return "cuu";
	if ((c = plea_canon_find(w)) != NULL)
		return c;
	return w;
}

/* By first word; then one-word phrases first; then by second word. */
static int
plea_phrase_cmp(const void *a, const void *b)
{
	const struct plea_phrase	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->w[0], y->w[0])) != 0)
		return c;
	if ((x->n == 1) != (y->n == 1))
		return x->n == 1 ? -1 : 1;
	return x->n == 1 ? 0 : strcmp(x->w[1], y->w[1]);
}

/*
 * Split a folded phrase into canonical words, stored from *at on; its
 * words are pointers into the buffer or constants. 0 if it has none.
 */
static size_t
plea_split(struct plea_phrase *ph, const char *folded, char **at)
{
	char		*p = *at, *w;
	size_t		 n = 0;

	strcpy(p, folded);
	*at += strlen(folded) + 1;
	while (*p != '\0' && n < PLEA_PHRASEMAX) {
		w = p;
		p += strcspn(p, " ");
		if (*p == ' ')
			*p++ = '\0';
		ph->w[n++] = plea_canon(w);
	}
	ph->n = n;
	return n;
}

/* The word sets are searched by halves: a set out of order is a bug. */
static void
plea_check_sorted(void)
{
	static const struct {
		const char *const	*v;
		size_t			 n;
	} sets[] = {
		{ plea_person, nitems(plea_person) },
		{ plea_striker, nitems(plea_striker) },
		{ plea_self, nitems(plea_self) },
		{ plea_animal, nitems(plea_animal) },
		{ plea_particle, nitems(plea_particle) },
		{ plea_hazard, nitems(plea_hazard) },
		{ plea_counter, nitems(plea_counter) },
		{ plea_blow, nitems(plea_blow) },
		{ plea_filler, nitems(plea_filler) },
	};
	size_t	 s, i;

	for (s = 0; s < nitems(sets); s++)
		for (i = 1; i < sets[s].n; i++)
			if (strcmp(sets[s].v[i - 1], sets[s].v[i]) >= 0)
				fatalx("%s: %s out of order", __func__,
				    sets[s].v[i]);
	for (i = 1; i < nitems(plea_canon_tab); i++)
		if (strcmp(plea_canon_tab[i - 1].sms,
		    plea_canon_tab[i].sms) >= 0)
			fatalx("%s: %s out of order", __func__,
			    plea_canon_tab[i].sms);
}

/*
 * The words a glued word may split into, sorted and each once: people,
 * the first words of pleas, "bị" and "đang". Everyday words are none of
 * them, so "luống" never becomes "lu ông".
 */
static void
plea_known(struct plea *pl)
{
	static const char *const more[] = { "bi", "dang" };
	size_t	 max = nitems(plea_person) + nitems(plea_striker) +
		    nitems(more) + pl->nph, i, k, n = 0;

	pl->known = xcalloc(max, sizeof(*pl->known));
	for (i = 0; i < pl->nph; i++)
		if (pl->ph[i].kind > PK_MARKS)
			pl->known[n++] = pl->ph[i].w[0];
	for (i = 0; i < nitems(plea_person); i++)
		pl->known[n++] = plea_person[i];
	for (i = 0; i < nitems(plea_striker); i++)
		pl->known[n++] = plea_striker[i];
	for (i = 0; i < nitems(more); i++)
		pl->known[n++] = more[i];
	qsort(pl->known, n, sizeof(*pl->known), plea_strcmp);
	for (i = k = 0; i < n; i++)
		if (k == 0 || strcmp(pl->known[k - 1], pl->known[i]) != 0)
			pl->known[k++] = pl->known[i];
	pl->nknown = k;
}

/* FNV-1a of a word, to a slot of the heads' table. */
static size_t
plea_hash(const char *w)
{
	uint32_t	 h = 2166136261u;

	for (; *w != '\0'; w++)
		h = (h ^ (unsigned char)*w) * 16777619u;
	return h & (PLEA_HASH - 1);
}

static void
plea_heads(struct plea *pl)
{
	size_t	 i, h, n = 0;

	pl->head = xcalloc(pl->nph + 1, sizeof(*pl->head));
	for (i = 0; i < pl->nph; i++) {
		if (n == 0 || strcmp(pl->head[n - 1].w, pl->ph[i].w[0]) != 0) {
			pl->head[n].w = pl->ph[i].w[0];
			pl->head[n].lo = pl->head[n].two = i;
			n++;
		}
		if (pl->ph[i].n == 1)
			pl->head[n - 1].two = i + 1;
		pl->head[n - 1].hi = i + 1;
	}
	pl->nhead = n;
	/* Half full at most; more words than that is a broken build. */
	if (n > PLEA_HASH / 2)
		fatalx("%s: %zu first words", __func__, n);
	for (i = 0; i < n; i++) {
		for (h = plea_hash(pl->head[i].w); pl->slot[h] != 0;
		    h = (h + 1) & (PLEA_HASH - 1))
			;
		pl->slot[h] = (unsigned short)(i + 1);
	}
}

struct plea *
plea_new(const struct strlist *distress, const struct strlist *not_distress)
{
	struct plea	*pl = xcalloc(1, sizeof(*pl));
	const struct strlist *extra[2] = { distress, not_distress };
	const enum plea_kind extra_kind[2] = { PK_STRONG, PK_NOT };
	char		**folded, *at;
	size_t		 nextra = 0, bytes = 0, i, j, k = 0, max;

	plea_check_sorted();
	for (j = 0; j < 2; j++)
		nextra += extra[j] != NULL ? extra[j]->n : 0;
	folded = xcalloc(nextra + 1, sizeof(*folded));
	for (j = 0; j < 2; j++)
		for (i = 0; extra[j] != NULL && i < extra[j]->n; i++) {
			folded[k] = text_keyfold(extra[j]->v[i],
			    strlen(extra[j]->v[i]));
			bytes += strlen(folded[k++]) + 1;
		}
	for (i = 0; i < nitems(plea_builtin); i++)
		bytes += strlen(plea_builtin[i].words) + 1;
	max = nitems(plea_builtin) + nextra;
	pl->ph = xcalloc(max, sizeof(*pl->ph));
	pl->words = at = xcalloc(1, bytes + 1);
	for (i = 0; i < nitems(plea_builtin); i++) {
		pl->ph[pl->nph].kind = plea_builtin[i].kind;
		if (plea_split(&pl->ph[pl->nph], plea_builtin[i].words, &at))
			pl->nph++;
	}
	k = 0;
	for (j = 0; j < 2; j++)
		for (i = 0; extra[j] != NULL && i < extra[j]->n; i++) {
			pl->ph[pl->nph].kind = extra_kind[j];
			if (plea_split(&pl->ph[pl->nph], folded[k], &at))
				pl->nph++;
			free(folded[k++]);
		}
	free(folded);
	qsort(pl->ph, pl->nph, sizeof(*pl->ph), plea_phrase_cmp);
	plea_heads(pl);
	plea_known(pl);
	return pl;
}

void
plea_free(struct plea *pl)
{
	if (pl == NULL)
		return;
	free(pl->known);
	free(pl->head);
	free(pl->ph);
	free(pl->words);
	free(pl);
}

/* A text's words, canonical, and how far everyday phrases cover each. */
struct plea_text {
	const char	*w[PLEA_TOKENS];
	/* How far the everyday phrases over a word reach: a phrase found
	 * at i is masked when one reaches past its end (đánh in đánh giá),
	 * not when it only overlaps (bất tỉnh after đánh bắt). */
	unsigned short	 cover[PLEA_TOKENS];
	/* A clause begins at this word: no phrase spans a comma ("đánh, bả
	 * khóc" is no "danh bạ"). */
	unsigned char	 brk[PLEA_TOKENS];
	size_t		 n;
	int		 veto;			/* papers, adverts */
	int		 everyday;		/* an everyday phrase is in it */
	int		 news;			/* news, or an advert */
	int		 topic;			/* violence as a subject */
	int		 glued;			/* a word was split */
	int		 glues;			/* glued words looked at */
	char		 buf[PLEA_TOKENS * (PLEA_WORDMAX + 1)];
};

static int
plea_is_known(const struct plea *pl, const char *w)
{
	return bsearch(&w, pl->known, pl->nknown, sizeof(*pl->known),
	    plea_strcmp) != NULL;
}

#define PLEA_PART	8	/* letters in a part of a glued word, at most */
#define PLEA_GLUES	16	/* glued words looked at in one text, at most */

/* Whether w[0, len) is a known word: of two letters or more, or one
 * letter that is an SMS spelling (ckdanhe: ck danh e). */
static int
plea_part(const struct plea *pl, const char *w, size_t len)
{
	char	 a[PLEA_PART + 1];

	memcpy(a, w, len);
	a[len] = '\0';
	if (len < 2 && plea_canon_find(a) == NULL)
		return 0;
	return plea_is_known(pl, plea_canon(a));
}

/*
 * Where a word typed without spaces splits into known words (emđang →
 * em đang, ckdanhemgiupem → ck danh em giup em), in as few parts as it
 * can, at most maxcut: the end of each part in cut[], how many parts, or
 * 0 if it does not split so. Each end is reached once (no search that
 * grows with the word's length beyond PLEA_PART tries a letter).
 */
static size_t
plea_glue(const struct plea *pl, const char *w, size_t len, size_t *cut,
    size_t maxcut)
{
	unsigned char	 parts[PLEA_WORDMAX + 1], from[PLEA_WORDMAX + 1];
	size_t		 p, q, n;

	memset(parts, 0xff, sizeof(parts));
	parts[0] = 0;
	for (p = 1; p <= len; p++)
		for (q = p > PLEA_PART ? p - PLEA_PART : 0; q < p; q++)
			if (parts[q] != 0xff && parts[q] + 1 < parts[p] &&
			    plea_part(pl, w + q, p - q)) {
				parts[p] = (unsigned char)(parts[q] + 1);
				from[p] = (unsigned char)q;
			}
	if (parts[len] == 0xff || parts[len] > maxcut)
		return 0;
	n = parts[len];
	for (p = len; p > 0; p = from[p])
		cut[parts[p] - 1] = p;
	return n;
}

static void
plea_word(struct plea_text *t, char **o, const char *w, size_t len, int brk)
{
	memcpy(*o, w, len);
	(*o)[len] = '\0';
	t->brk[t->n] = (unsigned char)brk;
	t->w[t->n] = plea_canon(*o);
	t->cover[t->n++] = 0;
	*o += len + 1;
}

/* The words of one clause, folded; with split, glued ones split. */
static void
plea_clause(const struct plea *pl, struct plea_text *t, char **o,
    const char *folded, int split)
{
	const char	*p = folded;
	size_t		 len, cut[6], n, j;
	int		 brk = 1;

	while (*p != '\0' && t->n + 6 < PLEA_TOKENS) {
		len = strcspn(p, " ");
		if (len <= PLEA_WORDMAX) {
			n = 0;
			if (len >= 7 && t->glues < PLEA_GLUES) {
				t->glues++;
				if ((n = plea_glue(pl, p, len, cut, 6)) > 1)
					t->glued = 1;
			}
			if (split && n > 1)
				for (j = 0; j < n; j++)
					plea_word(t, o, p + (j ? cut[j - 1] : 0),
					    cut[j] - (j ? cut[j - 1] : 0),
					    brk && j == 0);
			else
				plea_word(t, o, p, len, brk);
			brk = 0;
		}
		p += len;
		p += strspn(p, " ");
	}
}

/* The bytes that end a clause. */
static const unsigned char plea_break[256] = {
	['\0'] = 1, ['\n'] = 1, ['\r'] = 1, [','] = 1, ['.'] = 1, [';'] = 1,
	[':'] = 1, ['!'] = 1, ['?'] = 1, ['('] = 1, [')'] = 1, ['['] = 1,
	[']'] = 1, ['"'] = 1,
};

/*
 * A clause folded, the name Danh (capital D, no accent: anh Danh, chị
 * Danh) first set apart from đánh. malloc'd.
 */
static char *
plea_fold(const char *raw, size_t len)
{
	char	*c, *f, *p;

	if (memchr(raw, 'D', len) == NULL)
		return text_keyfold(raw, len);
	c = xmalloc(len + 1);
	memcpy(c, raw, len);
	c[len] = '\0';
	for (p = c; (p = strstr(p, "Danh")) != NULL; p += 4)
		if ((p == c || !isalpha((unsigned char)p[-1])) &&
		    !isalpha((unsigned char)p[4]) && (p[4] & 0x80) == 0)
			memcpy(p, "Tenq", 4);
	f = text_keyfold(c, len);
	free(c);
	return f;
}

/*
 * A text's words, clause by clause: a clause ends at , . ; : ! ? ( ) or
 * a line's end. With split, words typed without a space split.
 */
static void
plea_tokens(const struct plea *pl, struct plea_text *t, const char *raw,
    size_t len, int split)
{
	char	*o = t->buf, *f;
	size_t	 i = 0, k;

	t->n = 0;
	t->veto = t->everyday = t->news = t->topic = t->glued = 0;
	t->glues = 0;
	while (i < len && t->n + 6 < PLEA_TOKENS) {
		k = i;
		while (k < len && !plea_break[(unsigned char)raw[k]])
			k++;
		if (k > i) {
			f = plea_fold(raw + i, k - i);
			plea_clause(pl, t, &o, f, split);
			free(f);
		}
		i = k + 1;
	}
}

/* The head of the phrases that begin with word w, or NULL. */
static const struct plea_head *
plea_head(const struct plea *pl, const char *w)
{
	size_t	 h;

	for (h = plea_hash(w); pl->slot[h] != 0; h = (h + 1) & (PLEA_HASH - 1))
		if (strcmp(pl->head[pl->slot[h] - 1].w, w) == 0)
			return &pl->head[pl->slot[h] - 1];
	return NULL;
}

static int
plea_at(const struct plea_text *t, size_t i, const struct plea_phrase *ph)
{
	size_t	 k;

	if (i + ph->n > t->n)
		return 0;
	for (k = 1; k < ph->n; k++)
		if (t->brk[i + k] || strcmp(t->w[i + k], ph->w[k]) != 0)
			return 0;
	return 1;
}

static int
plea_person_at(const struct plea_text *t, size_t i)
{
	return PLEA_IN(plea_person, t->w[i]);
}

/* Whether only particles follow word i (… em sợ lắm). */
static int
plea_last(const struct plea_text *t, size_t i)
{
	for (i++; i < t->n; i++)
		if (!PLEA_IN(plea_particle, t->w[i]))
			return 0;
	return 1;
}

/*
 * A blow (words i .. i+n-1) with someone around it: "bị" up to five words
 * before (em bị người yêu cũ đánh); a person or a wound in the two words
 * after (đánh em, tát vào mặt, đánh dã man); someone other than the
 * writer up to three words before (chồng lại đánh); or, at the end of the
 * text, a person up to four words before (chồng em say rượu về đánh).
 */
static int
plea_blow_told(const struct plea_text *t, size_t i, size_t n)
{
	size_t	 j, seen, from;

	if (t->news)
		return 0;
	/* đập con muỗi, đuổi gà: a blow at an animal is no plea. */
	for (j = i + n; j < t->n && !t->brk[j] &&
	    PLEA_IN(plea_counter, t->w[j]); j++)
		;
	if (j < t->n && !t->brk[j] && PLEA_IN(plea_animal, t->w[j]))
		return 0;
	from = i > 5 ? i - 5 : 0;
	for (j = from; j < i; j++)
		if (strcmp(t->w[j], "bi") == 0 &&
		    !(j > 0 && PLEA_IN(plea_animal, t->w[j - 1])))
			return 1;
	for (j = i + n, seen = 0; j < t->n && seen < 2; j++) {
		if (strcmp(t->w[j], "giup") == 0)	/* chặt giùm tui */
			break;
		if (PLEA_IN(plea_filler, t->w[j]))
			continue;
		if (plea_person_at(t, j) || PLEA_IN(plea_blow, t->w[j]))
			return 1;
		seen++;
	}
	from = i > 3 ? i - 3 : 0;
	for (j = from; j < i; j++)
		if (PLEA_IN(plea_striker, t->w[j]))
			return 1;
	if (i + n == t->n || t->brk[i + n]) {	/* the clause's last */
		from = i > 4 ? i - 4 : 0;
		for (j = from; j < i; j++)
			if (PLEA_IN(plea_striker, t->w[j]) ||
			    PLEA_IN(plea_self, t->w[j]))
				return 1;
	}
	return 0;
}

/* giúp … với, or giúp em ending the text; the commune's "xem giúp" on
 * papers is no plea. */
static int
plea_help_told(const struct plea_text *t, size_t i)
{
	size_t	 j;

	if (t->veto || t->everyday)
		return 0;
	for (j = 0; j < t->n; j++)	/* đuổi gà giùm tui với */
		if (PLEA_IN(plea_animal, t->w[j]))
			return 0;
	for (j = i + 1; j < t->n && j <= i + 3; j++)
		if (strcmp(t->w[j], "voi") == 0)
			return 1;
	if (i + 1 == t->n)		/* "giúp", "cần giúp" */
		return t->n <= 3;
	return i + 2 == t->n && PLEA_IN(plea_self, t->w[i + 1]);
}

static int
plea_animal_in(const struct plea_text *t)
{
	size_t	 j;

	for (j = 0; j < t->n; j++)
		if (PLEA_IN(plea_animal, t->w[j]))
			return 1;
	return 0;
}

/* … em sợ, … tôi sợ quá, con sợ ba lắm: the writer's fear, of someone
 * or ending the text. */
static int
plea_fear_told(const struct plea_text *t, size_t i)
{
	if (t->everyday || i == 0 || !PLEA_IN(plea_self, t->w[i - 1]))
		return 0;
	return plea_last(t, i) ||
	    (i + 1 < t->n && PLEA_IN(plea_striker, t->w[i + 1]));
}

/* bị … then the deed, up to five words before (bị một thằng đi theo). */
static int
plea_passive_told(const struct plea_text *t, size_t i)
{
	size_t	 j, from = i > 5 ? i - 5 : 0;

	for (j = from; j < i; j++)
		if (strcmp(t->w[j], "bi") == 0 &&
		    !(j > 0 && PLEA_IN(plea_animal, t->w[j - 1])))
			return 1;
	return 0;
}

/* A child's age, 5 to 17: "14 tuổi", "17t", "mới 15". */
static int
plea_young(const struct plea_text *t)
{
	size_t	 i;
	int	 n;

	for (i = 0; i < t->n; i++) {
		n = atoi(t->w[i]);
		if (n >= 5 && n <= 17 && ((i + 1 < t->n &&
		    strcmp(t->w[i + 1], "tuoi") == 0) ||
		    (i > 0 && strcmp(t->w[i - 1], "moi") == 0)))
			return 1;
		if (n >= 5 && n <= 17 && strcmp(t->w[i] +
		    strspn(t->w[i], "0123456789"), "t") == 0)	/* 17t */
			return 1;
	}
	return 0;
}

/* lấy chồng, cưới: forced (bắt, ép up to five words before) or a
 * child's. */
static int
plea_marry_told(const struct plea_text *t, size_t i)
{
	size_t	 j, from = i > 5 ? i - 5 : 0;

	for (j = from; j < i; j++)
		if ((strcmp(t->w[j], "bat") == 0 || strcmp(t->w[j], "ep") == 0) &&
		    t->cover[j] <= j)		/* not ép cân */
			return 1;
	return plea_young(t);
}

/* khẩn cấp, nguy hiểm after a person, or opening a short text ("nguy
 * hiểm, đến ngay"), in a text that sells nothing. */
static int
plea_alarm_told(const struct plea_text *t, size_t i)
{
	size_t	 j, from = i > 4 ? i - 4 : 0;

	if (t->veto || t->everyday)
		return 0;
	for (j = 0; j < t->n; j++)
		if (PLEA_IN(plea_hazard, t->w[j]))
			return 0;
	if (i <= 1 && t->n <= 10)
		return 1;
	for (j = from; j < i; j++)
		if (plea_person_at(t, j))
			return 1;
	return 0;
}

static int
plea_told(const struct plea_text *t, size_t i, const struct plea_phrase *ph)
{
	switch (ph->kind) {
	case PK_STRONG:
		return 1;
	case PK_NAMED:
		return !t->topic;
	case PK_FLEE:
		return !plea_animal_in(t);
	case PK_PASSIVE:
		return plea_passive_told(t, i);
	case PK_MARRY:
		return plea_marry_told(t, i);
	case PK_WEAK:
		return plea_blow_told(t, i, ph->n);
	case PK_HELP:
		return plea_help_told(t, i);
	case PK_ALARM:
		return plea_alarm_told(t, i);
	case PK_FEAR:
		return plea_fear_told(t, i);
	case PK_NOT:
	case PK_VETO:
	case PK_NEWS:
	case PK_AD:
	case PK_TOPIC:
		break;
	}
	return 0;
}

#define PLEA_HITS	512	/* phrases found in one text, at most */

struct plea_hit {
	const struct plea_phrase	*ph;
	size_t				 at;
};

/* Every phrase found at word i, appended to hits. */
static size_t
plea_find(const struct plea *pl, const struct plea_text *t, size_t i,
    struct plea_hit *hits, size_t nhits)
{
	const struct plea_head	*h;
	size_t			 k, lo, hi, mid;

	if ((h = plea_head(pl, t->w[i])) == NULL)
		return nhits;
	for (k = h->lo; k < h->two && nhits < PLEA_HITS; k++) {
		hits[nhits].ph = &pl->ph[k];
		hits[nhits++].at = i;
	}
	if (i + 1 >= t->n || t->brk[i + 1] || h->two == h->hi)
		return nhits;
	/* The longer ones whose second word is the text's next. */
	lo = h->two;
	hi = h->hi;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (strcmp(pl->ph[mid].w[1], t->w[i + 1]) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (k = lo; k < h->hi && nhits < PLEA_HITS &&
	    strcmp(pl->ph[k].w[1], t->w[i + 1]) == 0; k++)
		if (plea_at(t, i, &pl->ph[k])) {
			hits[nhits].ph = &pl->ph[k];
			hits[nhits++].at = i;
		}
	return nhits;
}

static int
plea_scan(const struct plea *pl, struct plea_text *t)
{
	struct plea_hit			 hits[PLEA_HITS];
	const struct plea_phrase	*ph;
	size_t				 i, k, h, n = 0;

	for (i = 0; i < t->n; i++)
		n = plea_find(pl, t, i, hits, n);
	/* First what everyday phrases cover, then the rest around them. */
	for (h = 0; h < n; h++) {
		ph = hits[h].ph;
		i = hits[h].at;
		if (ph->kind == PK_VETO)
			t->veto = 1;
		else if (ph->kind == PK_NEWS || ph->kind == PK_AD)
			t->news = 1;
		else if (ph->kind == PK_TOPIC)
			t->topic = 1;
		else if (ph->kind == PK_NOT) {
			t->everyday = 1;
			for (k = i; k < i + ph->n; k++)
				if (t->cover[k] < i + ph->n)
					t->cover[k] = (unsigned short)(i + ph->n);
		}
	}
	if (t->news)
		return 0;
	for (h = 0; h < n; h++) {
		ph = hits[h].ph;
		i = hits[h].at;
		if (ph->kind <= PK_MARKS || t->cover[i] >= i + ph->n)
			continue;
		/* con mèo trốn, bò đạp: what an animal does is no plea. */
		if ((i > 0 && PLEA_IN(plea_animal, t->w[i - 1])) ||
		    (i > 1 && PLEA_IN(plea_animal, t->w[i - 2])))
			continue;
		if (plea_told(t, i, ph))
			return 1;
	}
	return 0;
}

int
plea_match(const struct plea *pl, const char *raw, size_t len)
{
	struct plea_text	 text;

	if (pl == NULL || raw == NULL || len == 0)
		return 0;
	plea_tokens(pl, &text, raw, len, 0);
	if (plea_scan(pl, &text))
		return 1;
	/* Words typed without a space are split only when the text as
	 * typed tells nothing: a second look, never a first. */
	if (!text.glued)
		return 0;
	plea_tokens(pl, &text, raw, len, 1);
	return plea_scan(pl, &text);
}

-- bench.lua: wrk script for scripts/bench.py. Arguments: PATH PREFIX MS
-- COUNT [FIRST [CITY [QUERY]]]. Each wrk thread POSTs Africa's Talking-shaped MO
-- messages ("BL thon N ...", a new id and a new, scattered number each) to
-- PATH, for MS milliseconds or COUNT requests per thread, whichever ends
-- first (0: no limit of that kind); its numbers start at FIRST (default
-- 0), so that the wrk of each of several nodes has numbers of its own.
-- CITY, a file of "NUMBER TEXTNAME" lines (a commune's number, its name as
-- a resident types it, '+' for a space), spreads the messages over those
-- communes in turn: every other one is sent to the commune's number, the
-- others to the city's shared number (8088) naming the commune ("BL tinh
-- chau thon N ..."), so both ways of finding a commune are measured. QUERY
-- "1" repeats each POST's form in its URL's query, for Kannel's HTTP SMSC,
-- which reads only that (scripts/kannel.py); Kannel answers a filler,
-- which names no message, "Insufficient args" with a 400: counted as a
-- filler. Then it
-- sends no more POSTs, waits for the ones in flight (sending GET /healthz
-- fillers meanwhile), stops, and creates PREFIX.done.<thread> so bench.py
-- can end wrk early. Every POST sent was answered, so stored messages must
-- equal the 200s exactly.
-- done() prints one "BENCH key=value ..." line for bench.py to parse.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_ts;
int clock_gettime(int, bench_ts *);
]]
local ts = ffi.new("bench_ts")

local function now_ms()
	ffi.C.clock_gettime(1, ts)	-- CLOCK_MONOTONIC
	return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

-- The sender of request n: n scattered over 7 digits without a repeat
-- (4435761 is prime to 10^7, so n -> n * 4435761 mod 10^7 is one-to-one),
-- as residents' numbers are. Counted up instead, every report's number
-- would land at the end of the phone index, one page for a whole commit;
-- real numbers land anywhere (13.6 KB written per message before
-- encryption instead of 7.8 KB; issue 10's note). Exact in doubles.
local function number(n)
	return n * 4435761 % 10000000
end

local threads = {}
local nthreads = 0

function setup(thread)
	thread:set("tid", nthreads)
	nthreads = nthreads + 1
	table.insert(threads, thread)
end

function init(args)
	path = args[1]
	prefix = args[2]
	run_ms = tonumber(args[3])
	count = tonumber(args[4])
	first = tonumber(args[5] or "0")
	query = args[7] == "1"
	city = {}
	if args[6] and args[6] ~= "" then
		for line in io.lines(args[6]) do
			local num, name = line:match("^(%S+) (%S+)$")
			if num then
				table.insert(city, { to = num:gsub("^%+", "%%2B"),
				    name = name })
			end
		end
	end
	health = wrk.format("GET", "/healthz")
	headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
	issued = 0
	accepted = 0
	other = 0
	fillers = 0
	t_first = 0
	t_end = 0
	stopped = false
	-- wrk calls request() once on thread 0 before the run, only to
	-- count pipelined requests (script_verify_request): not sent.
	verify_call = (tid == 0)
end

local function posting()
	if count > 0 and issued >= count then
		return false
	end
	return run_ms == 0 or now_ms() - t_first < run_ms
end

function request()
	if verify_call then
		verify_call = false
		return health
	end
	if t_first == 0 then
		t_first = now_ms()
	end
	if posting() then
		issued = issued + 1
		local to, named = "8088", ""
		if #city > 0 then
			-- thread tid's n-th: commune (n / 2 + tid) in turn, by
			-- number when n is even, by name when it is odd
			local c = city[(math.floor(issued / 2) + tid) % #city + 1]
			if issued % 2 == 0 then
				to = c.to
			else
				named = c.name .. "+"
			end
		end
		local body = string.format("from=%%2B8491%07d&to=%s" ..
		    "&text=BL+%sthon+%d+nguoi+bi+danh+%d&date=2026-12-01" ..
		    "&id=%s-%d-%d&linkId=bench",
		    number(first + tid * 3000000 + issued), to, named,
		    issued % 6 + 1, issued, prefix:match("[^/]*$"), tid, issued)
		local url = path
		if query then
			url = path .. (path:find("?", 1, true) and "&" or "?") ..
			    body
		end
		return wrk.format("POST", url, headers, body)
	end
	fillers = fillers + 1
	return health
end

function response(status, headers, body)
	if body:sub(1, 2) == "ok" and status == 200 then
		-- a /healthz filler
	elseif query and status == 400 and
	    body:sub(1, 17) == "Insufficient args" then
		-- a filler, as Kannel answers it
	elseif status == 200 then
		accepted = accepted + 1
	else
		other = other + 1
	end
	if not stopped and not posting() and accepted + other >= issued then
		stopped = true
		t_end = now_ms()
		local f = io.open(prefix .. ".done." .. tid, "w")
		if f then
			f:close()
		end
		wrk.thread:stop()
	end
end

function done(summary, latency, requests)
	local acc, oth, iss, fil, t0, t1 = 0, 0, 0, 0, nil, 0
	for _, t in ipairs(threads) do
		acc = acc + t:get("accepted")
		oth = oth + t:get("other")
		iss = iss + t:get("issued")
		fil = fil + t:get("fillers")
		local f, e = t:get("t_first"), t:get("t_end")
		if f > 0 and (t0 == nil or f < t0) then
			t0 = f
		end
		if e == 0 then
			e = -1		-- never drained: bench.py reports it
		end
		if t1 >= 0 and (e < 0 or e > t1) then
			t1 = e
		end
	end
	local dur_us = (t0 and t1 > 0) and (t1 - t0) * 1000 or -1
	local e = summary.errors
	io.write(string.format("BENCH accepted=%d other=%d issued=%d " ..
	    "fillers=%d duration_us=%d t_first_ms=%.3f p50_us=%d p90_us=%d " ..
	    "p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d " ..
	    "timeout=%d\n", acc, oth, iss, fil, dur_us, t0 or 0,
	    latency:percentile(50), latency:percentile(90),
	    latency:percentile(99), latency.max, e.connect, e.read, e.write,
	    e.status, e.timeout))
end

-- bench.lua: wrk script for scripts/bench.py. Arguments: PREFIX MS.
-- Each wrk thread reads its own file of pre-signed requests
-- (PREFIX.<thread>, lines "SIG<TAB>BODY") and sends each at most once, so
-- every 200 is a new stored message. After MS milliseconds (or when the
-- file is used up) it sends no more POSTs, waits for the ones in flight
-- (sending GET /healthz fillers meanwhile), then stops and creates
-- PREFIX.done.<thread> so bench.py can end wrk early. Every POST sent was
-- answered, so stored messages must equal the 200s exactly.
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

local threads = {}
local nthreads = 0

function setup(thread)
	thread:set("tid", nthreads)
	nthreads = nthreads + 1
	table.insert(threads, thread)
end

function init(args)
	prefix = args[1]
	run_ms = tonumber(args[2])
	-- Raw lines only: wrk starts each thread as soon as its init is
	-- done, so a slow init would leave the others running alone.
	reqs = {}
	for line in io.lines(prefix .. "." .. tid) do
		reqs[#reqs + 1] = line
	end
	health = wrk.format("GET", "/healthz")
	issued = 0
	accepted = 0
	other = 0
	fillers = 0
	weird = 0
	exhausted = 0
	t_first = 0
	t_end = 0
	stopped = false
	-- wrk calls request() once on thread 0 before the run, only to
	-- count pipelined requests (script_verify_request): not sent.
	verify_call = (tid == 0)
end

local function posting()
	return issued < #reqs and now_ms() - t_first < run_ms
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
		local line = reqs[issued]
		local tab = line:find("\t", 1, true)
		return wrk.format("POST", "/sms/generic", {
			["Content-Type"] = "application/json",
			["X-Tincay-Signature"] = line:sub(1, tab - 1),
		}, line:sub(tab + 1))
	end
	if issued >= #reqs then
		exhausted = 1
	end
	fillers = fillers + 1
	return health
end

function response(status, headers, body)
	if status == 200 then
		if body:sub(1, 1) == "{" then
			accepted = accepted + 1
		elseif body:sub(1, 2) ~= "ok" then
			weird = weird + 1
		end
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
	local acc, oth, iss, fil, exh, wei, t0, t1 = 0, 0, 0, 0, 0, 0, nil, 0
	for _, t in ipairs(threads) do
		acc = acc + t:get("accepted")
		oth = oth + t:get("other")
		iss = iss + t:get("issued")
		fil = fil + t:get("fillers")
		exh = exh + t:get("exhausted")
		wei = wei + t:get("weird")
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
	    "fillers=%d weird=%d exhausted=%d duration_us=%d p50_us=%d p90_us=%d " ..
	    "p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d " ..
	    "timeout=%d\n", acc, oth, iss, fil, wei, exh, dur_us,
	    latency:percentile(50), latency:percentile(90),
	    latency:percentile(99), latency.max, e.connect, e.read, e.write,
	    e.status, e.timeout))
end

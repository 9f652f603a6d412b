-- wrk script for the intake benchmark (bench/wrk.py writes the request file and reads the summary).
--
--   wrk -t THREADS ... -s bench/wrk.lua URL -- REQUEST_FILE RATE|0 THREADS
--
-- REQUEST_FILE: one request a line, "path<TAB>X-Twilio-Signature<TAB>urlencoded body", pre-signed
-- with unique MessageSids. Each thread takes every Nth line (N threads), so no two requests of a
-- run repeat a MessageSid until the file is used up; then it cycles and counts the wraps.
-- RATE (requests/s for the whole run, optional): paced by delay() against a schedule (request i
-- is due at start + i/rate), so a slow answer does not lower the rate as long as a connection is free.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local reqs = {}
local n, i = 0, 0
wraps = 0 -- global: done() reads it through thread:get
local interval, start, sent = nil, nil, 0

function init(args)
  local total_threads = tonumber(args[3] or "1")
  local k = 0
  for line in io.lines(args[1]) do
    if k % total_threads == tid then
      local path, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      n = n + 1
      reqs[n] = wrk.format("POST", path, {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = sig,
      }, body)
    end
    k = k + 1
  end
  if tonumber(args[2] or "0") > 0 then
    interval = 1000.0 * total_threads / tonumber(args[2])
  end
end

function request()
  i = i + 1
  if i > n then
    i = 1
    wraps = wraps + 1
  end
  return reqs[i]
end

function delay()
  if not interval then return 0 end
  local t = now_ms()
  if not start then start = t end
  local due = start + sent * interval
  sent = sent + 1
  if due > t then return due - t end
  return 0
end

function done(summary, latency, requests)
  local e = summary.errors
  local w = 0
  for _, t in ipairs(threads) do w = w + (tonumber(t:get("wraps")) or 0) end
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "wraps": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, w))
end

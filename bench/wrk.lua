-- The HTTP scenarios for wrk (bench/wrk.py runs it): reads, and whole hand-overs of POSTs.
--
-- wrk runs with one connection per thread (-tN -cN), and every thread has a Lua state
-- of its own, so a thread's response() always answers the request() it sent last: the
-- hand-over can carry the transfer id from the proposal into the later steps, and each
-- request is timed here (LuaJIT's ffi, CLOCK_MONOTONIC) like bench.load times it:
-- latencies of requests answered inside the measured window, per step, and failures.
-- The spec (bench/wrk.py writes it as a Lua table) is the first argument after "--".

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]])
local clock = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) * 1e-9
end

-- Main state: number the threads, and gather their records when wrk is done.
local threads, next_id = {}, 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- Thread state.
local spec, measure_from, stop_at
local mine, turn = {}, 0
local sent_at, step_name = 0, nil
local step, pooled, case_path, transfer_id, keys = 0, nil, nil, nil, 0
-- Flat tables only: wrk copies a thread's globals to done() but crashes on nested tables.
times, names, failures, examples, output = {}, {}, {}, {}, nil

function init(args)
  spec = dofile(args[1])
  output = spec.output
  local started = now()
  measure_from, stop_at = started + spec.warmup, started + spec.warmup + spec.duration
  if spec.kind == "read" then
    turn = id * 7919
  else
    for n = id + 1, #spec.cases, spec.threads do -- bench.load's cases[n::concurrency]
      local c = spec.cases[n]
      table.insert(mine, { c[1], c[2], c[3] })
    end
  end
end

local function send(name, method, path, token, body)
  local headers = {}
  if token and token ~= "" then
    headers.Authorization = "Bearer " .. token
  end
  if body then
    headers["Content-Type"] = "application/json"
    if spec.idempotency_keys then
      keys = keys + 1
      headers["Idempotency-Key"] = string.format("%s-%d-%d", spec.run, id, keys)
    end
  end
  step_name, sent_at = name, now()
  return wrk.format(method, path, headers, body)
end

local function fill(template)
  local filled = template:gsub("{C}", case_path):gsub("{T}", transfer_id or "")
  return filled
end

function request()
  if spec.kind == "read" then
    local target = spec.targets[(turn % #spec.targets) + 1]
    turn = turn + 1
    return send("", "GET", target[1], target[2])
  end
  if #mine == 0 then -- every case fell out of step: idle on the health route, unrecorded
    return send(nil, "GET", "/health/live")
  end
  if step == 0 then
    pooled = mine[(turn % #mine) + 1]
    turn = turn + 1
    case_path = "/v1/cases/" .. pooled[1]
    local body = string.format('{"to_authority": "%s", "reason": "Moved."}', pooled[3])
    return send("propose", "POST", case_path .. "/transfers", spec.tokens[pooled[2]], body)
  end
  local s = spec.steps[step]
  local authority = s[2] == "holder" and pooled[2] or pooled[3]
  return send(s[1], "POST", fill(s[3]), spec.tokens[authority], s[4])
end

local function drop_case()
  for n, c in ipairs(mine) do
    if c == pooled then
      table.remove(mine, n)
      break
    end
  end
  step = 0
end

local function advance(ok, body)
  if not ok then
    return drop_case() -- out of step with the server: leave this case alone
  end
  if step == 0 then
    local found = body:match('"active_transfer"%s*:%s*{%s*"transfer_id"%s*:%s*"([%x%-]+)"')
    if not found then
      return drop_case()
    end
    transfer_id = found
    step = 1
  elseif step < #spec.steps then
    step = step + 1
  else
    pooled[2], pooled[3] = pooled[3], pooled[2]
    step = 0
  end
end

function response(status, headers, body)
  if step_name == nil then
    return
  end
  local ended = now()
  local ok = status >= 200 and status < 300
  if ended >= measure_from and ended <= stop_at then
    if ok then
      times[#times + 1] = (ended - sent_at) * 1000
      names[#names + 1] = step_name
    else
      failures[tostring(status)] = (failures[tostring(status)] or 0) + 1
    end
  end
  if not ok and #examples < 5 then
    examples[#examples + 1] = string.format("%s %d %s", step_name, status, body:sub(1, 300))
  end
  if spec.kind == "handover" then
    advance(ok, body)
  end
end

local function quoted(text)
  return '"' .. text:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

-- Main state: one JSON document with every thread's records, for bench/wrk.py.
function done(summary, latency, requests)
  local parts, path = {}, nil
  for _, thread in ipairs(threads) do
    path = path or thread:get("output")
    local by_step, order = {}, {}
    local steps = thread:get("names")
    for n, ms in ipairs(thread:get("times")) do
      local values = by_step[steps[n]]
      if values == nil then
        values = {}
        by_step[steps[n]] = values
        order[#order + 1] = steps[n]
      end
      values[#values + 1] = string.format("%.3f", ms)
    end
    local lists = {}
    for _, name in ipairs(order) do
      lists[#lists + 1] = quoted(name) .. ": [" .. table.concat(by_step[name], ",") .. "]"
    end
    local counts = {}
    for status, count in pairs(thread:get("failures")) do
      counts[#counts + 1] = quoted(status) .. ": " .. count
    end
    local shown = {}
    for n, example in ipairs(thread:get("examples")) do
      shown[n] = quoted(example)
    end
    parts[#parts + 1] = string.format(
      '{"latencies_ms": {%s}, "failures": {%s}, "failure_examples": [%s]}',
      table.concat(lists, ", "),
      table.concat(counts, ", "),
      table.concat(shown, ", ")
    )
  end
  local e = summary.errors
  local file = assert(io.open(path, "w"))
  file:write(string.format(
    '{"threads": [%s], "socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}',
    table.concat(parts, ", "), e.connect, e.read, e.write, e.timeout
  ))
  file:close()
end

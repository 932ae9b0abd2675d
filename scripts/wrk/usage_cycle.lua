-- Start, heartbeat, stop for each of the fixture's users, strictly in that order per user:
-- a user's next request is sent only after the answer to their last one came back (the
-- server echoes the `x-request-id` this script sets, which names the user), so every answer
-- is a 2xx and a failure is the server's. Each wrk thread drives its own share of the users.
local tokens = {}
local ready = {}   -- users whose next request may be sent, as a queue
local head, tail = 1, 0
local op = {}      -- per user: 0 start, 1 heartbeat, 2 stop

function setup(thread)
  thread:set("offset", setup_count or 0)
  setup_count = (setup_count or 0) + 1
end

function init(args)
  local threads = tonumber(os.getenv("THREADS") or "2")
  local n = 0
  for line in io.lines(os.getenv("USAGE_TOKENS")) do
    n = n + 1
    if (n - 1) % threads == offset then
      tokens[#tokens + 1] = line
      op[#tokens] = 0
      tail = tail + 1
      ready[tail] = #tokens
    end
  end
end

local paths = { "/api/v1/usage", "/api/v1/usage/current/heartbeat", "/api/v1/usage/current/stop" }

function request()
  local user
  if head <= tail then
    user = ready[head]
    ready[head] = nil
    head = head + 1
  else
    -- Every user has a request in flight (more connections than users): read a harmless page.
    return wrk.format("GET", "/healthz")
  end
  local body = nil
  if op[user] == 0 then body = '{"action":"reading","details":"bench"}' end
  return wrk.format("POST", paths[op[user] + 1], {
    ["Authorization"] = "Bearer " .. tokens[user],
    ["Content-Type"] = "application/json",
    ["x-request-id"] = "u" .. user,
  }, body)
end

function response(status, headers, body)
  local id = headers["x-request-id"] or headers["X-Request-Id"]
  local user = id and tonumber(id:match("^u(%d+)$"))
  if user then
    op[user] = (op[user] + 1) % 3
    tail = tail + 1
    ready[tail] = user
  end
end

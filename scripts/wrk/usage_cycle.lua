-- Start, heartbeat, stop: each wrk thread drives its own half of the fixture's users, one
-- request per user in turn, so a user's next request is a whole round of users (64, twice the
-- thread's 32 connections) after the last: it has answered before the next is sent, and every
-- request is a 2xx.
local tokens = {}
local mine = {}
local i = 0

function setup(thread)
  thread:set("offset", setup_count or 0)
  setup_count = (setup_count or 0) + 1
end

function init(args)
  for line in io.lines(os.getenv("USAGE_TOKENS")) do tokens[#tokens + 1] = line end
  local threads = tonumber(os.getenv("THREADS") or "2")
  for n = 1, #tokens do
    if (n - 1) % threads == offset then mine[#mine + 1] = tokens[n] end
  end
end

local paths = { "/api/v1/usage", "/api/v1/usage/current/heartbeat", "/api/v1/usage/current/stop" }

function request()
  local user = i % #mine
  local op = math.floor(i / #mine) % 3
  i = i + 1
  local body = nil
  if op == 0 then body = '{"action":"reading","details":"bench"}' end
  return wrk.format("POST", paths[op + 1], {
    ["Authorization"] = "Bearer " .. mine[user + 1],
    ["Content-Type"] = "application/json",
  }, body)
end

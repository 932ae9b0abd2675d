-- GET /api/v1/kv/k<n> as a random one of the fixture's users (KV_TOKENS: one token per line).
local tokens = {}
local keys = tonumber(os.getenv("KV_KEYS") or "10")

function init(args)
  for line in io.lines(os.getenv("KV_TOKENS")) do tokens[#tokens + 1] = line end
  math.randomseed(os.time() + tonumber(tostring({}):sub(10), 16))
end

function request()
  local token = tokens[math.random(#tokens)]
  local key = math.random(0, keys - 1)
  return wrk.format("GET", "/api/v1/kv/k" .. key, { ["Authorization"] = "Bearer " .. token })
end

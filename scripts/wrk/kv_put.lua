-- PUT /api/v1/kv/w<n> (create or replace) as a random one of the fixture's users.
local tokens = {}

function init(args)
  for line in io.lines(os.getenv("KV_TOKENS")) do tokens[#tokens + 1] = line end
  math.randomseed(os.time() + tonumber(tostring({}):sub(10), 16))
end

function request()
  local token = tokens[math.random(#tokens)]
  local key = math.random(0, 9)
  return wrk.format("PUT", "/api/v1/kv/w" .. key, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, '{"value":"written by the benchmark","ttl_seconds":86400}')
end

-- POST a 1.00 payment with a fresh Idempotency-Key per request (each a distinct payment).
-- Set by bench.sh: TOKEN (finance staff bearer token) in the environment.
local counter = 0
local prefix = tostring(os.time()) .. "-" .. tostring(math.random(1000000))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = '{"amount": 1}'

request = function()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = prefix .. "-" .. counter
  return wrk.format(nil)
end

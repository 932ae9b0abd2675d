-- POST /api/v1/auth/login with the benchmark user's credentials.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"login":"bench@campus.test","password":"Bench!pass1"}'

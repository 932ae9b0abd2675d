-- POST /api/v1/auth/login as the cluster benchmark's administrator (scripts/bench-cluster.sh).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"login":"benchadmin","password":"Bench!pass1"}'

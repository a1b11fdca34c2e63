-- wrk script for bench/api.py: every request is the same POST.
-- The body and the Host header come from the environment, so one script
-- serves both the bare route and enterprise_api host/get.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or "{}"
wrk.headers["Content-Type"] = "application/json"
local host = os.getenv("BENCH_HOST")
if host and host ~= "" then
  wrk.headers["Host"] = host
end

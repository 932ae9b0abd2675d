-- POST a 2 MiB JPEG as multipart field `photo` (seed 001's upload); PHOTO_FILE and MP_TOKEN
-- come from scripts/bench.sh.
local f = assert(io.open(os.getenv("PHOTO_FILE"), "rb"))
local data = f:read("*a")
f:close()
local boundary = "campusbenchboundary7MA4YWxkTrZu0gW"
wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.headers["Authorization"] = "Bearer " .. os.getenv("MP_TOKEN")
wrk.body = "--" .. boundary .. "\r\n"
  .. "Content-Disposition: form-data; name=\"photo\"; filename=\"car.jpg\"\r\n"
  .. "Content-Type: image/jpeg\r\n\r\n"
  .. data .. "\r\n--" .. boundary .. "--\r\n"
